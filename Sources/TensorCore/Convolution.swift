/// 2-D convolutions with stride 1 and "same" zero padding, kernel 1x1 or 3x3, on NCHW tensors,
/// computed as one matrix product per image against its im2col matrix.
///
/// Images are independent tasks on `ComputeThreads`; the weight gradient sums per-image
/// contributions in increasing image order, so every result is bit-identical for any thread count.
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

  /// Writes the im2col matrix `[channels * k * k, height * width]` of one image.
  static func im2col(
    _ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernelSize k: Int,
    into col: UnsafeMutablePointer<Float>
  ) {
    let pad = padding(k)
    let plane = height * width
    for c in 0..<channels {
      for ky in 0..<k {
        for kx in 0..<k {
          let row = col + ((c * k + ky) * k + kx) * plane
          let dy = ky - pad
          let dx = kx - pad
          for y in 0..<height {
            let sy = y + dy
            let target = row + y * width
            if sy < 0 || sy >= height {
              for x in 0..<width { target[x] = 0 }
              continue
            }
            let source = image + c * plane + sy * width
            for x in 0..<width {
              let sx = x + dx
              target[x] = (sx >= 0 && sx < width) ? source[sx] : 0
            }
          }
        }
      }
    }
  }

  /// Adds the im2col-shaped gradient back onto the image gradient (the adjoint of `im2col`).
  static func col2imAdd(
    _ col: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernelSize k: Int,
    into image: UnsafeMutablePointer<Float>
  ) {
    let pad = padding(k)
    let plane = height * width
    for c in 0..<channels {
      for ky in 0..<k {
        for kx in 0..<k {
          let row = col + ((c * k + ky) * k + kx) * plane
          let dy = ky - pad
          let dx = kx - pad
          for y in 0..<height {
            let sy = y + dy
            if sy < 0 || sy >= height { continue }
            let target = image + c * plane + sy * width
            let source = row + y * width
            for x in 0..<width {
              let sx = x + dx
              if sx >= 0 && sx < width { target[sx] += source[x] }
            }
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
    return Tensor(shape: [batch, outChannels, height, width]) { out in
      input.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          let shared = UncheckedSendable((px.baseAddress!, pw.baseAddress!, out.baseAddress!))
          ComputeThreads.forEachTask(batch) { b in
            let (x, w, y) = shared.value
            let image = x + b * channels * plane
            let a = MatrixOperand(w, leadingDimension: depth)
            if k == 1 {
              Gemm.multiply(m: outChannels, n: plane, k: depth, a: a,
                b: MatrixOperand(image, leadingDimension: plane),
                c: y + b * outChannels * plane, ldc: plane, accumulate: false, parallel: false)
            } else {
              let col = UnsafeMutablePointer<Float>.allocate(capacity: depth * plane)
              defer { col.deallocate() }
              im2col(image, channels: channels, height: height, width: width, kernelSize: k, into: col)
              Gemm.multiply(m: outChannels, n: plane, k: depth, a: a,
                b: MatrixOperand(col, leadingDimension: plane),
                c: y + b * outChannels * plane, ldc: plane, accumulate: false, parallel: false)
            }
          }
        }
      }
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
    // Buffers that are not needed still get one element: an empty array's base address points
    // at the standard library's shared empty-array storage, which must never be written.
    var inputGradient = [Float](repeating: 0, count: needInput ? input.count : 1)
    // Per-image weight gradients, summed afterwards in image order.
    var partials = [Float](repeating: 0, count: needWeight ? batch * outChannels * depth : 1)
    input.scalars.withUnsafeBufferPointer { px in
      weight.scalars.withUnsafeBufferPointer { pw in
        upstream.scalars.withUnsafeBufferPointer { pg in
          inputGradient.withUnsafeMutableBufferPointer { pdx in
            partials.withUnsafeMutableBufferPointer { pdw in
              let shared = UncheckedSendable((px.baseAddress!, pw.baseAddress!, pg.baseAddress!,
                needInput ? pdx.baseAddress : nil, needWeight ? pdw.baseAddress : nil))
              ComputeThreads.forEachTask(batch) { b in
                let (x, w, g, dx, dw) = shared.value
                let image = x + b * channels * plane
                let gradOut = g + b * outChannels * plane
                let col = UnsafeMutablePointer<Float>.allocate(capacity: depth * plane)
                defer { col.deallocate() }
                if let dw {
                  let source: UnsafePointer<Float>
                  if k == 1 {
                    source = image
                  } else {
                    im2col(image, channels: channels, height: height, width: width, kernelSize: k, into: col)
                    source = UnsafePointer(col)
                  }
                  // dW_b [out, depth] = dY_b [out, plane] . col_b^T [plane, depth]
                  Gemm.multiply(m: outChannels, n: depth, k: plane,
                    a: MatrixOperand(gradOut, leadingDimension: plane),
                    b: MatrixOperand(source, leadingDimension: plane, transposed: true),
                    c: dw + b * outChannels * depth, ldc: depth, accumulate: false, parallel: false)
                }
                if let dx {
                  let target = dx + b * channels * plane
                  if k == 1 {
                    Gemm.multiply(m: depth, n: plane, k: outChannels,
                      a: MatrixOperand(w, leadingDimension: depth, transposed: true),
                      b: MatrixOperand(gradOut, leadingDimension: plane),
                      c: target, ldc: plane, accumulate: false, parallel: false)
                  } else {
                    // dcol [depth, plane] = W^T [depth, out] . dY_b [out, plane]
                    Gemm.multiply(m: depth, n: plane, k: outChannels,
                      a: MatrixOperand(w, leadingDimension: depth, transposed: true),
                      b: MatrixOperand(gradOut, leadingDimension: plane),
                      c: col, ldc: plane, accumulate: false, parallel: false)
                    col2imAdd(col, channels: channels, height: height, width: width, kernelSize: k, into: target)
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
      let size = outChannels * depth
      var sum = [Float](repeating: 0, count: size)
      partials.withUnsafeBufferPointer { p in
        sum.withUnsafeMutableBufferPointer { s in
          for b in 0..<batch {
            let part = p.baseAddress! + b * size
            for i in 0..<size { s[i] += part[i] }
          }
        }
      }
      weightGradient = Tensor(shape: weight.shape, scalars: sum)
    }
    return (needInput ? Tensor(shape: input.shape, scalars: inputGradient) : nil, weightGradient)
  }
}
