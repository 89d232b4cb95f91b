/// 2-D convolutions with stride 1 and "same" zero padding, kernel 1x1 or 3x3, on NCHW tensors,
/// computed as matrix products against im2col matrices, or by direct kernels where one side of
/// that product would be 1-3 wide or 9-27 deep (`Convolution+Direct.swift`,
/// `Convolution+WeightGradient.swift`), and, for the input gradient of 3x3 layers with a multiple
/// of 16 input channels, by a kernel with channels in the vector lanes (`Convolution+Tiled.swift`).
///
/// Every output element is one chain of fused multiply-adds in a fixed order (see
/// `Convolution+Reference.swift`, the specification, which the fast path equals bit for bit):
/// - forward: `y[b, o, s]` chains over `p = (c, ky, kx)` from zero, padding included as zeros;
/// - input gradient: `dcol[p, s]` chains over `o`, then each input pixel adds its `dcol` terms in
///   increasing `p`, starting from zero;
/// - weight gradient: the batch is cut into `weightGradientGroups(batch)` groups of consecutive
///   images (a function of the batch size only); `dW[o, p]` of a group chains over the group's
///   images and pixels in order, and the groups' partial results are added in group order.
///
/// Work is split over `ComputeThreads` by images (forward, input gradient) or by groups (weight
/// gradient), with serial matrix products inside; nothing depends on the thread count. Images are
/// processed a few at a time ("chunks") so that small images still give the matrix product wide
/// operands; the chunking does not change any chain either.
public enum Convolution {
  /// The padding of a kernel of size `kernelSize` that keeps height and width.
  static func padding(_ kernelSize: Int) -> Int { kernelSize / 2 }

  static func checkShapes(_ input: [Int], _ weight: [Int], function: String) {
    precondition(input.count == 4 && weight.count == 4,
      "\(function): needs input [batch, channels, height, width] and weight [out, in, k, k], got \(input) and \(weight)")
    precondition(weight[1] == input[1],
      "\(function): weight \(weight) expects \(weight[1]) input channels, input \(input) has \(input[1])")
    precondition(weight[2] == weight[3] && (weight[2] == 1 || weight[2] == 3),
      "\(function): kernel must be 1x1 or 3x3, weight is \(weight)")
  }

  /// Number of groups the weight gradient sums separately before adding them in order: up to 8
  /// groups of consecutive images (sizes differ by at most one). Part of the numerical
  /// definition, so it depends on the batch size only.
  public static func weightGradientGroups(batch: Int) -> Int { max(1, min(batch, 8)) }

  /// Columns the matrix products should get at least, and the im2col elements (columns x taps)
  /// a chunk should hold at most unless that leaves fewer columns: images are chunked so that
  /// the products are wide and their packed operands stay in L2 (performance only; see the
  /// type's summary).
  static let minimumChunkColumns = 256
  static let chunkElements = 1 << 15

  /// Images per chunk for planes of `plane` pixels and `depth` taps.
  static func imagesPerChunk(plane: Int, depth: Int, batch: Int) -> Int {
    // Shallow products (a 1-channel first layer: 9 taps) are dominated by per-call costs, so
    // they get wider chunks; otherwise one image of 256+ pixels is enough, and more would only
    // add the copy of the chunk's result into the NCHW output.
    let columns = depth < 32 ? max(minimumChunkColumns, chunkElements / max(depth, 1)) : minimumChunkColumns
    return max(1, min(batch, columns / max(plane, 1)))
  }

  /// Number of chunks the forward pass cuts the batch into: about `imagesPerChunk` images each,
  /// at least `weightGradientGroups(batch:)` of them (work for every thread), an even number
  /// when there are several, so that two threads get the same work.
  static func chunkCount(plane: Int, depth: Int, outChannels: Int, kernelSize k: Int, batch: Int) -> Int {
    if batch <= 1 { return max(batch, 1) }
    // The direct kernels have no matrix operands to keep small: one chunk per group.
    if usesDirectForward(outChannels: outChannels, depth: depth, kernelSize: k) { return weightGradientGroups(batch: batch) }
    let perChunk = imagesPerChunk(plane: plane, depth: depth, batch: batch)
    var count = max((batch + perChunk - 1) / perChunk, weightGradientGroups(batch: batch))
    if count % 2 == 1 && count < batch { count += 1 }
    return count
  }

  /// `count` consecutive ranges covering `0..<total`, sizes differing by at most one.
  static func split(_ total: Int, into count: Int) -> [Range<Int>] {
    let base = total / count
    let extra = total % count
    var ranges: [Range<Int>] = []
    var start = 0
    for index in 0..<count {
      let size = base + (index < extra ? 1 : 0)
      ranges.append(start..<(start + size))
      start += size
    }
    return ranges
  }

  /// Adds the im2col-shaped gradient (columns `0..<height * width` of `col`, rows `rowStride`
  /// apart) back onto one image's gradient: the adjoint of `im2col`. Each pixel receives its terms
  /// in increasing row order.
  static func col2imAdd(
    _ col: UnsafePointer<Float>, rowStride: Int, channels: Int, height: Int, width: Int,
    kernelSize k: Int, into image: UnsafeMutablePointer<Float>
  ) {
    let pad = padding(k)
    let plane = height * width
    for c in 0..<channels {
      let target = image + c * plane
      for ky in 0..<k {
        for kx in 0..<k {
          let row = col + ((c * k + ky) * k + kx) * rowStride
          let dy = ky - pad
          let dx = kx - pad
          let xStart = max(0, -dx)
          let xEnd = min(width, width - dx)
          let yStart = max(0, -dy)
          let yEnd = min(height, height - dy)
          if yStart >= yEnd || xStart >= xEnd { continue }
          for y in yStart..<yEnd {
            RowKernels.accumulate(row + y * width + xStart, into: target + (y + dy) * width + dx + xStart, count: xEnd - xStart)
          }
        }
      }
    }
  }

  /// `y[b, o] = sum_c weight[o, c] * x[b, c]` (cross-correlation), no bias.
  ///
  /// - Parameters: `input: [batch, inChannels, height, width]`,
  ///   `weight: [outChannels, inChannels, k, k]` with k = 1 or 3.
  /// - Returns: `[batch, outChannels, height, width]`.
  public static func forward(_ input: Tensor, weight: Tensor) -> Tensor {
    checkShapes(input.shape, weight.shape, function: "Convolution.forward")
    let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outChannels = weight.shape[0]
    let k = weight.shape[2]
    let plane = height * width
    let depth = channels * k * k
    let chunks = split(batch, into: chunkCount(plane: plane, depth: depth, outChannels: outChannels, kernelSize: k, batch: batch))
    return Tensor(shape: [batch, outChannels, height, width]) { out in
      if out.isEmpty { return }
      input.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          let shared = UncheckedSendable((px.address, pw.address, out.address))
          ClaimedTasks.forEach(chunks.count) { task in
            let (x, w, y) = shared.value
            let images = chunks[task]
            let columns = images.count * plane
            let first = x + images.lowerBound * channels * plane
            if usesDirectForward(outChannels: outChannels, depth: depth, kernelSize: k) {
              withPaddedWindow(first, images: images.count, channels: channels, height: height, width: width, kernelSize: k) { window in
                let taps = window.tapOffsets()
                taps.withUnsafeBufferPointer { taps in
                  forwardDirect(window, images: images.count, taps: taps.address, tapCount: depth, weights: w,
                    outChannels: outChannels, output: y + images.lowerBound * outChannels * plane)
                }
              }
              return
            }
            withImageWindow(first, images: images.count, channels: channels, height: height, width: width, kernelSize: k) { window in
              let taps = window.tapOffsets()
              taps.withUnsafeBufferPointer { taps in
                if usesRowPanelForward(outChannels: outChannels, height: height, width: width, kernelSize: k) {
                  forwardRowPanels(window, images: images.count, taps: taps.address, weights: w, outChannels: outChannels,
                    output: y + images.lowerBound * outChannels * plane)
                  return
                }
                if usesPixelPanelForward(outChannels: outChannels, height: height, width: width, kernelSize: k) {
                  forwardPixelPanels(window, images: images.count, taps: taps.address, weights: w, outChannels: outChannels,
                    output: y + images.lowerBound * outChannels * plane)
                  return
                }
                let packB = packIm2col(window, taps: taps.address, pixels: columns)
                let weights = MatrixOperand(w, leadingDimension: depth)
                if images.count == 1 {
                  GemmKernel.run(m: outChannels, n: plane, k: depth, a: weights, packB: packB,
                    c: y + images.lowerBound * outChannels * plane, ldc: plane, accumulate: false, parallel: false)
                  return
                }
                ScratchBuffers.with(capacity: outChannels * columns) { result in
                  GemmKernel.run(m: outChannels, n: columns, k: depth, a: weights, packB: packB,
                    c: result, ldc: columns, accumulate: false, parallel: false)
                  for (g, b) in images.enumerated() {
                    for o in 0..<outChannels {
                      (y + (b * outChannels + o) * plane).update(from: result + o * columns + g * plane, count: plane)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Runs `body` with the images `first ..< first + images` as an `ImageWindow`: as stored for
  /// 1x1 kernels, else a zero-bordered copy in a scratch buffer.
  static func withImageWindow<Result>(
    _ first: UnsafePointer<Float>, images: Int, channels: Int, height: Int, width: Int, kernelSize k: Int,
    _ body: (ImageWindow) -> Result
  ) -> Result {
    if k == 1 {
      return body(ImageWindow(unpadded: first, channels: channels, height: height, width: width))
    }
    return withPaddedWindow(first, images: images, channels: channels, height: height, width: width, kernelSize: k, body)
  }

  /// Runs `body` with a zero-bordered copy of the images `first ..< first + images` (border
  /// `padding(k)`, so none for 1x1), followed by `directSlack` floats the direct kernels may
  /// over-read.
  static func withPaddedWindow<Result>(
    _ first: UnsafePointer<Float>, images: Int, channels: Int, height: Int, width: Int, kernelSize k: Int,
    _ body: (ImageWindow) -> Result
  ) -> Result {
    let count = ImageWindow.paddedCount(images: images, channels: channels, height: height, width: width, kernelSize: k)
    return ScratchBuffers.with(capacity: count + directSlack) { buffer in
      (buffer + count).update(repeating: 0, count: directSlack)
      return body(ImageWindow(padding: first, count: images, channels: channels, height: height, width: width,
        kernelSize: k, into: buffer))
    }
  }

  /// Gradients of `forward` with respect to its input and weight, given the upstream gradient
  /// `[batch, outChannels, height, width]`.
  public static func backward(
    _ input: Tensor, weight: Tensor, upstream: Tensor, needInput: Bool = true, needWeight: Bool = true
  ) -> (input: Tensor?, weight: Tensor?) {
    checkShapes(input.shape, weight.shape, function: "Convolution.backward")
    let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outChannels = weight.shape[0]
    precondition(upstream.shape == [batch, outChannels, height, width],
      "Convolution.backward: upstream \(upstream.shape) does not match output [\(batch), \(outChannels), \(height), \(width)]")
    let k = weight.shape[2]
    let plane = height * width
    let depth = channels * k * k
    let weightSize = outChannels * depth
    let groups = split(batch, into: weightGradientGroups(batch: batch))
    // The direct input gradient (few output channels) takes a whole group at once; the weight
    // gradient's chains continue across chunks, so the chunking changes no bit.
    let perChunk: Int
    if usesDirectInputGradient(outChannels: outChannels, channels: channels, kernelSize: k) && !needWeight {
      perChunk = batch
    } else if needWeight && (usesDirectWeightGradient(outChannels: outChannels, kernelSize: k)
      || usesShallowWeightGradient(outChannels: outChannels, depth: depth, kernelSize: k)) {
      // The direct weight gradients copy their chunk channels-last; 8 images keep that in L2.
      perChunk = min(batch, 8)
    } else {
      perChunk = imagesPerChunk(plane: plane, depth: depth, batch: batch)
    }
    // The tiled input gradient's weights, packed once for every chunk.
    let tapWeights = needInput && usesTiledInputGradient(outChannels: outChannels, channels: channels, kernelSize: k)
      ? weight.scalars.withUnsafeBufferPointer { tapMajorWeights($0.address, outChannels: outChannels, channels: channels) }
      : []
    var inputGradient = needInput ? [Float](repeating: 0, count: input.count) : []
    // One partial weight gradient per group, added in group order afterwards.
    var partials = needWeight ? [Float](repeating: 0, count: groups.count * weightSize) : []
    if batch > 0 && plane > 0 && (needInput || needWeight) {
      input.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          upstream.scalars.withUnsafeBufferPointer { pg in
            tapWeights.withUnsafeBufferPointer { ptw in
              inputGradient.withUnsafeMutableBufferPointer { pdx in
                partials.withUnsafeMutableBufferPointer { pdw in
                  // An empty array still has a base address (the shared empty storage): pass nil
                  // explicitly for a gradient that is not wanted.
                  let shared = UncheckedSendable(
                    (px.address, pw.address, pg.address, needInput ? pdx.baseAddress : nil,
                     needWeight ? pdw.baseAddress : nil, tapWeights.isEmpty ? nil : ptw.baseAddress))
                  ClaimedTasks.forEach(groups.count) { task in
                    let (x, w, g, dx, dw, tw) = shared.value
                    let group = groups[task]
                    var first = group.lowerBound
                    while first < group.upperBound {
                      let images = first..<min(first + perChunk, group.upperBound)
                      backwardChunk(
                        images: images, x: x, w: w, tapWeights: tw, g: g, dx: dx,
                        dw: dw.map { $0 + task * weightSize }, accumulate: first > group.lowerBound,
                        channels: channels, height: height, width: width, outChannels: outChannels, kernelSize: k)
                      first = images.upperBound
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    var weightGradient: Tensor? = nil
    if needWeight {
      var sum = [Float](repeating: 0, count: weightSize)
      partials.withUnsafeBufferPointer { p in
        sum.withUnsafeMutableBufferPointer { s in
          for group in 0..<groups.count {
            let part = p.address + group * weightSize
            for i in 0..<weightSize { s[i] += part[i] }
          }
        }
      }
      weightGradient = Tensor(shape: weight.shape, scalars: sum)
    }
    return (needInput ? Tensor(shape: input.shape, scalars: inputGradient) : nil, weightGradient)
  }

  /// The backward pass of the images `images` (a chunk inside one weight-gradient group): adds
  /// their input gradients into `dx` (if non-nil) and continues the group's weight-gradient
  /// chains in `dw` (if non-nil; started afresh when `accumulate` is false). `tapWeights`: the
  /// weights packed by `tapMajorWeights` when the input gradient is tiled, else nil.
  static func backwardChunk(
    images: Range<Int>, x: UnsafePointer<Float>, w: UnsafePointer<Float>, tapWeights: UnsafePointer<Float>?,
    g: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?, accumulate: Bool,
    channels: Int, height: Int, width: Int, outChannels: Int, kernelSize k: Int
  ) {
    let plane = height * width
    let depth = channels * k * k
    let columns = images.count * plane
    let upstream = g + images.lowerBound * outChannels * plane
    if let dw, usesDirectWeightGradient(outChannels: outChannels, kernelSize: k) {
      weightGradientDirect(
        x + images.lowerBound * channels * plane, images: images.count, channels: channels, height: height,
        width: width, upstream: upstream, outChannels: outChannels, dw: dw, accumulate: accumulate)
    } else if let dw, usesShallowWeightGradient(outChannels: outChannels, depth: depth, kernelSize: k)
      || usesTapPanelWeightGradient(outChannels: outChannels, kernelSize: k) {
      // Kernels that read the padded input in place: few taps (a first layer), or 16-output
      // panels with 6 taps broadcast per pixel.
      let shallow = usesShallowWeightGradient(outChannels: outChannels, depth: depth, kernelSize: k)
      let first = x + images.lowerBound * channels * plane
      withPaddedWindow(first, images: images.count, channels: channels, height: height, width: width, kernelSize: k) { window in
        let taps = window.tapOffsets()
        taps.withUnsafeBufferPointer { taps in
          if shallow {
            weightGradientShallow(window, images: images.count, taps: taps.address, tapCount: depth, upstream: upstream,
              outChannels: outChannels, dw: dw, accumulate: accumulate)
          } else {
            weightGradientTapPanels(window, images: images.count, taps: taps.address, tapCount: depth,
              upstream: upstream, outChannels: outChannels, dw: dw, accumulate: accumulate)
          }
        }
      }
    } else if let dw {
      // dW [out, depth] (+)= dY [out, columns] . im2col^T [columns, depth]; A = dY is read in
      // place when the chunk is one image, else gathered into [out, columns].
      let first = x + images.lowerBound * channels * plane
      withImageWindow(first, images: images.count, channels: channels, height: height, width: width, kernelSize: k) { window in
        let taps = window.tapOffsets()
        taps.withUnsafeBufferPointer { taps in
          let packB = packIm2colTransposed(window, taps: taps.address, tapCount: depth)
          withUpstreamMatrix(upstream, images: images.count, outChannels: outChannels, plane: plane) { gradientOut in
            GemmKernel.run(m: outChannels, n: depth, k: columns, a: gradientOut, packB: packB,
              c: dw, ldc: depth, accumulate: accumulate, parallel: false)
          }
        }
      }
    }
    if let dx, usesDirectInputGradient(outChannels: outChannels, channels: channels, kernelSize: k) {
      withPaddedWindow(upstream, images: images.count, channels: outChannels, height: height, width: width, kernelSize: k) { window in
        inputGradientDirect(window, images: images.count, weights: w, tapWeights: tapWeights, channels: channels,
          output: dx + images.lowerBound * channels * plane)
      }
    } else if let dx {
      // dcol [depth, columns] = W^T [depth, out] . dY [out, columns], then added back onto dX.
      let weightsTransposed = MatrixOperand(w, leadingDimension: depth, transposed: true)
      let packB = packUpstream(upstream, outChannels: outChannels, plane: plane, pixels: columns)
      if images.count == 1 && k == 1 {
        GemmKernel.run(m: depth, n: plane, k: outChannels, a: weightsTransposed, packB: packB,
          c: dx + images.lowerBound * channels * plane, ldc: plane, accumulate: false, parallel: false)
        return
      }
      ScratchBuffers.with(capacity: depth * columns) { col in
        GemmKernel.run(m: depth, n: columns, k: outChannels, a: weightsTransposed, packB: packB,
          c: col, ldc: columns, accumulate: false, parallel: false)
        for (index, b) in images.enumerated() {
          let target = dx + b * channels * plane
          if k == 1 {
            for c in 0..<channels {
              (target + c * plane).update(from: col + c * columns + index * plane, count: plane)
            }
          } else {
            col2imAdd(col + index * plane, rowStride: columns, channels: channels, height: height,
              width: width, kernelSize: k, into: target)
          }
        }
      }
    }
  }

  /// Runs `body` with the chunk's upstream gradient as one `[outChannels, images * plane]`
  /// operand: in place for one image, else gathered into a scratch buffer.
  static func withUpstreamMatrix<Result>(
    _ upstream: UnsafePointer<Float>, images: Int, outChannels: Int, plane: Int,
    _ body: (MatrixOperand) -> Result
  ) -> Result {
    let columns = images * plane
    if images == 1 { return body(MatrixOperand(upstream, leadingDimension: plane)) }
    return ScratchBuffers.with(capacity: outChannels * columns) { gathered in
      for index in 0..<images {
        for o in 0..<outChannels {
          (gathered + o * columns + index * plane).update(from: upstream + (index * outChannels + o) * plane, count: plane)
        }
      }
      return body(MatrixOperand(gathered, leadingDimension: columns))
    }
  }
}
