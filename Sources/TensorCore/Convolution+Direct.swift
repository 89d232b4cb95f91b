/// Direct (no matrix product) kernels for the forward pass and input gradient of convolutions
/// with at most `directMaximumOutputs` output channels, such as the U-Net's last layer (32 -> 1
/// or 3 channels), and of 3x3 layers with one input channel (the first layer on grey images).
///
/// There each im2col element would be used by at most three output channels, or the product
/// would be only 9 deep, so packing it for a matrix product costs more than the arithmetic.
/// Here the taps are read straight from zero-bordered image rows, eight pixels per vector, into
/// up to 3 x 4 accumulators. (The weight gradients of such layers are in
/// `Convolution+WeightGradient.swift`.) Every element is
/// still the chain of the specification (`Convolution+Reference.swift`) in the same order, so
/// results are bit-identical to the matrix-product path.
extension Convolution {
  /// Output channels up to which `forward` and the input gradient use the direct kernels.
  static let directMaximumOutputs = 3
  /// Taps (input channels x 3 x 3) up to which a 3x3 weight gradient runs the shallow direct
  /// kernel (`weightGradientShallow`): a 1- or 3-channel first layer, whose matrix product
  /// would be only 9 or 27 deep.
  static let directMaximumDepth = 27

  /// Whether `forward` of this shape runs the direct kernels: few outputs, or a 3x3 layer with
  /// a single input channel (9 taps; with 3 channels, 27 taps, the matrix product measured
  /// faster: 57 against 43 GFLOP/s).
  static func usesDirectForward(outChannels: Int, depth: Int, kernelSize: Int) -> Bool {
    outChannels <= directMaximumOutputs || (kernelSize == 3 && depth <= 9)
  }

  /// Where one vector of a block lies: its row and first column in the image, and how many of
  /// its lanes are inside (0 for a vector past the image).
  typealias DirectPlace = (row: Int, column: Int, valid: Int)
  /// The four vectors of a block.
  typealias DirectPlaces = (DirectPlace, DirectPlace, DirectPlace, DirectPlace)
  /// The four vectors' first source elements.
  typealias DirectOffsets = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)

  /// The pixel blocks of one image: four SIMD8 vectors each, laid over as many rows as fit (a
  /// 32-wide row is one block; 14-wide rows give blocks of two rows of two vectors; 7-wide, four
  /// rows of one vector), so that narrow images still fill the lanes.
  struct DirectBlocks {
    let height: Int
    let width: Int
    let vectorsPerRow: Int
    let rowsPerBlock: Int

    init(height: Int, width: Int) {
      self.height = height
      self.width = width
      vectorsPerRow = (width + 7) / 8
      rowsPerBlock = max(1, 4 / vectorsPerRow)
    }

    /// Blocks of one image: row groups times column groups of four vectors.
    var count: Int { ((height + rowsPerBlock - 1) / rowsPerBlock) * columnGroups }
    var columnGroups: Int { vectorsPerRow >= 4 ? (vectorsPerRow + 3) / 4 : 1 }

    /// The four vectors of block `block`.
    @inline(__always)
    func places(of block: Int) -> DirectPlaces {
      (vector(0, of: block), vector(1, of: block), vector(2, of: block), vector(3, of: block))
    }

    /// Row, first column and valid lanes (0 if outside the image) of vector `v` of block `block`.
    @inline(__always)
    func vector(_ v: Int, of block: Int) -> DirectPlace {
      let rowGroup = block / columnGroups
      let columnGroup = block - rowGroup * columnGroups
      let row: Int
      let column: Int
      if vectorsPerRow >= 4 {
        row = rowGroup
        column = (columnGroup * 4 + v) * 8
      } else {
        row = rowGroup * rowsPerBlock + v / vectorsPerRow
        column = (v % vectorsPerRow) * 8
      }
      guard row < height && column < width else { return (0, 0, 0) }
      return (row, column, min(8, width - column))
    }
  }

  /// `y[g, o, y, x]` for the images of `window` (zero-bordered by `padding(k)`, with
  /// `directSlack` floats after it) as the chain over taps `p` of `fma(w[o, p], x[tap p of
  /// pixel], .)` from zero.
  ///
  /// - Parameters: `weights: [outChannels, taps]`, `output`: the chunk's `[images, outChannels,
  ///   plane]`.
  static func forwardDirect(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int,
    weights: UnsafePointer<Float>, outChannels: Int, output: UnsafeMutablePointer<Float>
  ) {
    if outChannels == 1 {
      forwardDirectSingle(window, images: images, taps: taps, tapCount: tapCount, weights: weights, output: output)
    } else {
      forwardDirectGroups(window, images: images, taps: taps, tapCount: tapCount, weights: weights,
        outChannels: outChannels, output: output)
    }
  }

  /// `forwardDirect` for two or more outputs: each block of pixels is loaded once per tap for a
  /// group of two or three outputs (the groups' sizes differ by at most one): 8 or 12 chains.
  static func forwardDirectGroups(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int,
    weights: UnsafePointer<Float>, outChannels: Int, output: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD8<Float>
    let plane = window.plane
    let blocks = DirectBlocks(height: window.height, width: window.width)
    let groups = split(outChannels, into: (outChannels + 2) / 3)
    for image in 0..<images {
      let imageBase = window.base + image * window.imageStride
      let imageOutput = output + image * outChannels * plane
      for block in 0..<blocks.count {
        let (v0, v1, v2, v3) = blocks.places(of: block)
        // Vectors outside the image read row 0 (valid memory) and are not stored.
        let o0 = imageBase + v0.row * window.rowStride + v0.column
        let o1 = imageBase + v1.row * window.rowStride + v1.column
        let o2 = imageBase + v2.row * window.rowStride + v2.column
        let o3 = imageBase + v3.row * window.rowStride + v3.column
        let offsets = (o0, o1, o2, o3)
        let places = (v0, v1, v2, v3)
        for range in groups {
          let w = weights + range.lowerBound * tapCount
          let target = imageOutput + range.lowerBound * plane
          // Literal counts, so each inlined copy has only the accumulators it uses.
          if range.count == 3 {
            forwardDirectThree(offsets, places, taps: taps, tapCount: tapCount, weights: w, plane: plane,
              width: window.width, output: target)
          } else {
            forwardDirectTwo(offsets, places, taps: taps, tapCount: tapCount, weights: w, plane: plane,
              width: window.width, output: target)
          }
        }
      }
    }
  }

  /// `forwardDirectGroup` of three outputs. This and `forwardDirectTwo` are the same call with a
  /// literal count, kept apart on purpose: compiled inside one function with a run-time count,
  /// the 12-accumulator loop spilled to the stack (1-channel forward 22 against 37 GFLOP/s).
  @inline(never)
  static func forwardDirectThree(
    _ offsets: DirectOffsets,
    _ places: DirectPlaces,
    taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<Float>, plane: Int, width: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    forwardDirectGroup(count: 3, offsets, places, taps: taps, tapCount: tapCount, weights: weights, plane: plane,
      width: width, output: output)
  }

  /// `forwardDirectGroup` of two outputs.
  @inline(never)
  static func forwardDirectTwo(
    _ offsets: DirectOffsets,
    _ places: DirectPlaces,
    taps: UnsafePointer<Int>, tapCount: Int, weights: UnsafePointer<Float>, plane: Int, width: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    forwardDirectGroup(count: 2, offsets, places, taps: taps, tapCount: tapCount, weights: weights, plane: plane,
      width: width, output: output)
  }

  /// Two or three outputs (`count`) of one block of `forwardDirectGroups`: 8 or 12 chains.
  @inline(__always)
  static func forwardDirectGroup(
    count: Int,
    _ offsets: DirectOffsets,
    _ places: DirectPlaces,
    taps: UnsafePointer<Int>, tapCount: Int, weights w: UnsafePointer<Float>, plane: Int, width: Int,
    output target: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD8<Float>
    let (o0, o1, o2, o3) = offsets
    var a0 = V(), a1 = V(), a2 = V(), a3 = V()
    var b0 = V(), b1 = V(), b2 = V(), b3 = V()
    var c0 = V(), c1 = V(), c2 = V(), c3 = V()
    for p in 0..<tapCount {
      let tap = taps[p]
      let x0 = UnsafeRawPointer(o0 + tap).loadUnaligned(as: V.self)
      let x1 = UnsafeRawPointer(o1 + tap).loadUnaligned(as: V.self)
      let x2 = UnsafeRawPointer(o2 + tap).loadUnaligned(as: V.self)
      let x3 = UnsafeRawPointer(o3 + tap).loadUnaligned(as: V.self)
      let w0 = V(repeating: w[p])
      a0.addProduct(w0, x0); a1.addProduct(w0, x1); a2.addProduct(w0, x2); a3.addProduct(w0, x3)
      let w1 = V(repeating: w[tapCount + p])
      b0.addProduct(w1, x0); b1.addProduct(w1, x1); b2.addProduct(w1, x2); b3.addProduct(w1, x3)
      if count > 2 {
        let w2 = V(repeating: w[2 * tapCount + p])
        c0.addProduct(w2, x0); c1.addProduct(w2, x1); c2.addProduct(w2, x2); c3.addProduct(w2, x3)
      }
    }
    storeDirect((a0, a1, a2, a3), places, to: target, width: width)
    storeDirect((b0, b1, b2, b3), places, to: target + plane, width: width)
    if count > 2 { storeDirect((c0, c1, c2, c3), places, to: target + 2 * plane, width: width) }
  }

  /// `forwardDirect` for one output channel: two blocks at a time, so that eight independent
  /// chains hide the latency of the fused multiply-add (four would leave the units half idle).
  static func forwardDirectSingle(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int,
    weights: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD8<Float>
    let blocks = DirectBlocks(height: window.height, width: window.width)
    let outside = (row: 0, column: 0, valid: 0)
    for image in 0..<images {
      let imageBase = window.base + image * window.imageStride
      var block = 0
      while block < blocks.count {
        let second = block + 1 < blocks.count
        let (v0, v1, v2, v3) = blocks.places(of: block)
        let v4 = second ? blocks.vector(0, of: block + 1) : outside
        let v5 = second ? blocks.vector(1, of: block + 1) : outside
        let v6 = second ? blocks.vector(2, of: block + 1) : outside
        let v7 = second ? blocks.vector(3, of: block + 1) : outside
        let o0 = imageBase + v0.row * window.rowStride + v0.column
        let o1 = imageBase + v1.row * window.rowStride + v1.column
        let o2 = imageBase + v2.row * window.rowStride + v2.column
        let o3 = imageBase + v3.row * window.rowStride + v3.column
        let o4 = imageBase + v4.row * window.rowStride + v4.column
        let o5 = imageBase + v5.row * window.rowStride + v5.column
        let o6 = imageBase + v6.row * window.rowStride + v6.column
        let o7 = imageBase + v7.row * window.rowStride + v7.column
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        for p in 0..<tapCount {
          let tap = taps[p]
          let w = V(repeating: weights[p])
          a0.addProduct(w, UnsafeRawPointer(o0 + tap).loadUnaligned(as: V.self))
          a1.addProduct(w, UnsafeRawPointer(o1 + tap).loadUnaligned(as: V.self))
          a2.addProduct(w, UnsafeRawPointer(o2 + tap).loadUnaligned(as: V.self))
          a3.addProduct(w, UnsafeRawPointer(o3 + tap).loadUnaligned(as: V.self))
          a4.addProduct(w, UnsafeRawPointer(o4 + tap).loadUnaligned(as: V.self))
          a5.addProduct(w, UnsafeRawPointer(o5 + tap).loadUnaligned(as: V.self))
          a6.addProduct(w, UnsafeRawPointer(o6 + tap).loadUnaligned(as: V.self))
          a7.addProduct(w, UnsafeRawPointer(o7 + tap).loadUnaligned(as: V.self))
        }
        let target = output + image * window.plane
        storeDirect((a0, a1, a2, a3), (v0, v1, v2, v3), to: target, width: window.width)
        storeDirect((a4, a5, a6, a7), (v4, v5, v6, v7), to: target, width: window.width)
        block += 2
      }
    }
  }

  /// The input gradient of the images of `upstream` (their `dY`, zero-bordered by `padding(k)`,
  /// with `directSlack` floats after it): `dX[c, y, x]` is, for k = 1, the chain over `o` of
  /// `fma(w[o, c], dY[o, y, x], .)` from zero; for k = 3, zero plus the terms `t(ky, kx)` = that
  /// chain at the tap's source pixel `(y - ky + 1, x - kx + 1)`, in increasing `(ky, kx)`. Terms
  /// whose source pixel is outside the image read the zero border, so they are +0, and adding
  /// them changes no bit (a sum started from +0 is never -0).
  ///
  /// - Parameters: `weights: [outChannels, channels, k, k]`; `tapWeights`: the same packed by
  ///   `tapMajorWeights` when `usesTiledInputGradient`, else nil; `output`: the chunk's `[images,
  ///   channels, plane]`, overwritten.
  static func inputGradientDirect(
    _ upstream: ImageWindow, images: Int, weights: UnsafePointer<Float>, tapWeights: UnsafePointer<Float>?,
    channels: Int, output: UnsafeMutablePointer<Float>
  ) {
    precondition((tapWeights != nil) == usesTiledInputGradient(outChannels: upstream.channels, channels: channels,
      kernelSize: upstream.kernelSize), "Convolution.inputGradientDirect: tap-major weights are for the tiled kernel only")
    switch upstream.channels {
    case 1: inputGradientDirectLoop(upstream, images: images, weights: weights, channels: channels, outChannels: 1, output: output)
    case 2: inputGradientDirectLoop(upstream, images: images, weights: weights, channels: channels, outChannels: 2, output: output)
    case 3: inputGradientDirectLoop(upstream, images: images, weights: weights, channels: channels, outChannels: 3, output: output)
    default:
      if let tapWeights {
        inputGradientTiled(upstream, images: images, tapWeights: tapWeights, channels: channels, output: output)
      } else {
        inputGradientDirectRows(upstream, images: images, weights: weights, channels: channels, output: output)
      }
    }
  }

  /// Whether the input gradient of this shape runs `inputGradientDirect`: few outputs, a 3x3
  /// layer with a single input channel (whose matrix product would be 9 rows deep and need a
  /// col2im pass), or a 3x3 layer with a multiple of `tiledChannels` input channels (the
  /// channel-tiled kernel of `Convolution+Tiled.swift`: `perf unet-conv` input gradient, 1
  /// thread, CPU clock, fashion-mnist 7x7 32->32 38-40 -> 49-57 GFLOP/s, 14x14 16->16 30-34 ->
  /// 53, cifar10 8x8 64->64 45-55 -> 65).
  static func usesDirectInputGradient(outChannels: Int, channels: Int, kernelSize: Int) -> Bool {
    outChannels <= directMaximumOutputs || (kernelSize == 3 && channels == 1)
      || usesTiledInputGradient(outChannels: outChannels, channels: channels, kernelSize: kernelSize)
  }

  /// `inputGradientDirect` for 3x3 kernels and any number of outputs: per kernel row, the three
  /// taps' chains over `o` for the four vectors of a block (twelve chains), then added to the
  /// pixel's sum in increasing `(ky, kx)`.
  static func inputGradientDirectRows(
    _ upstream: ImageWindow, images: Int, weights: UnsafePointer<Float>, channels: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD8<Float>
    precondition(upstream.kernelSize == 3, "Convolution.inputGradientDirectRows: 3x3 kernels only")
    let outChannels = upstream.channels
    let taps = channels * 9
    let plane = upstream.plane
    let blocks = DirectBlocks(height: upstream.height, width: upstream.width)
    for image in 0..<images {
      let imageBase = upstream.base + image * upstream.imageStride
      for block in 0..<blocks.count {
        let (v0, v1, v2, v3) = blocks.places(of: block)
        // Source pixel (y - ky + 1, x - kx + 1) sits at (y - ky + 2, x - kx + 2) in the bordered
        // planes; the offsets below are those of (ky, kx) = (0, 0).
        let o0 = imageBase + (v0.row + 2) * upstream.rowStride + v0.column + 2
        let o1 = imageBase + (v1.row + 2) * upstream.rowStride + v1.column + 2
        let o2 = imageBase + (v2.row + 2) * upstream.rowStride + v2.column + 2
        let o3 = imageBase + (v3.row + 2) * upstream.rowStride + v3.column + 2
        for c in 0..<channels {
          var s0 = V(), s1 = V(), s2 = V(), s3 = V()
          for ky in 0..<3 {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var b0 = V(), b1 = V(), b2 = V(), b3 = V()
            var c0 = V(), c1 = V(), c2 = V(), c3 = V()
            let row = -ky * upstream.rowStride
            for o in 0..<outChannels {
              let w = weights + o * taps + c * 9 + ky * 3
              let shift = row + o * upstream.planeStride
              // kx = 0, 1, 2 read the source one column further left each.
              @inline(__always) func load(_ base: UnsafePointer<Float>, _ kx: Int) -> V {
                UnsafeRawPointer(base + shift - kx).loadUnaligned(as: V.self)
              }
              let w0 = V(repeating: w[0]), w1 = V(repeating: w[1]), w2 = V(repeating: w[2])
              a0.addProduct(w0, load(o0, 0)); a1.addProduct(w0, load(o1, 0))
              a2.addProduct(w0, load(o2, 0)); a3.addProduct(w0, load(o3, 0))
              b0.addProduct(w1, load(o0, 1)); b1.addProduct(w1, load(o1, 1))
              b2.addProduct(w1, load(o2, 1)); b3.addProduct(w1, load(o3, 1))
              c0.addProduct(w2, load(o0, 2)); c1.addProduct(w2, load(o1, 2))
              c2.addProduct(w2, load(o2, 2)); c3.addProduct(w2, load(o3, 2))
            }
            s0 += a0; s1 += a1; s2 += a2; s3 += a3
            s0 += b0; s1 += b1; s2 += b2; s3 += b3
            s0 += c0; s1 += c1; s2 += c2; s3 += c3
          }
          storeDirect((s0, s1, s2, s3), (v0, v1, v2, v3), to: output + (image * channels + c) * plane,
            width: upstream.width)
        }
      }
    }
  }

  @inline(__always)
  static func inputGradientDirectLoop(
    _ upstream: ImageWindow, images: Int, weights: UnsafePointer<Float>, channels: Int, outChannels: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    typealias V = SIMD8<Float>
    let k = upstream.kernelSize
    let taps = channels * k * k
    let plane = upstream.plane
    let pad = padding(k)
    let blocks = DirectBlocks(height: upstream.height, width: upstream.width)
    let second = outChannels > 1 ? 1 : 0
    let third = outChannels > 2 ? 2 : 0
    for image in 0..<images {
      let imageBase = upstream.base + image * upstream.imageStride
      for block in 0..<blocks.count {
        let (v0, v1, v2, v3) = blocks.places(of: block)
        // Source pixel (y - ky + pad, x - kx + pad) sits at (y - ky + 2 pad, x - kx + 2 pad) in
        // the bordered planes; the offsets below are those of (ky, kx) = (0, 0).
        let o0 = imageBase + (v0.row + 2 * pad) * upstream.rowStride + v0.column + 2 * pad
        let o1 = imageBase + (v1.row + 2 * pad) * upstream.rowStride + v1.column + 2 * pad
        let o2 = imageBase + (v2.row + 2 * pad) * upstream.rowStride + v2.column + 2 * pad
        let o3 = imageBase + (v3.row + 2 * pad) * upstream.rowStride + v3.column + 2 * pad
        for c in 0..<channels {
          var s0 = V(), s1 = V(), s2 = V(), s3 = V()
          for ky in 0..<k {
            for kx in 0..<k {
              let p = (c * k + ky) * k + kx
              let shift = -(ky * upstream.rowStride + kx)
              var t0 = V(), t1 = V(), t2 = V(), t3 = V()
              @inline(__always) func add(_ o: Int, _ w: V) {
                let offset = shift + o * upstream.planeStride
                t0.addProduct(w, UnsafeRawPointer(o0 + offset).loadUnaligned(as: V.self))
                t1.addProduct(w, UnsafeRawPointer(o1 + offset).loadUnaligned(as: V.self))
                t2.addProduct(w, UnsafeRawPointer(o2 + offset).loadUnaligned(as: V.self))
                t3.addProduct(w, UnsafeRawPointer(o3 + offset).loadUnaligned(as: V.self))
              }
              add(0, V(repeating: weights[p]))
              if outChannels > 1 { add(second, V(repeating: weights[second * taps + p])) }
              if outChannels > 2 { add(third, V(repeating: weights[third * taps + p])) }
              if k == 1 {
                (s0, s1, s2, s3) = (t0, t1, t2, t3)
              } else {
                s0 += t0; s1 += t1; s2 += t2; s3 += t3
              }
            }
          }
          storeDirect((s0, s1, s2, s3), (v0, v1, v2, v3), to: output + (image * channels + c) * plane,
            width: upstream.width)
        }
      }
    }
  }

  /// Stores the valid lanes of the four vectors of a block into a `[height, width]` plane.
  @inline(__always)
  static func storeDirect(
    _ values: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>),
    _ places: DirectPlaces,
    to plane: UnsafeMutablePointer<Float>, width: Int
  ) {
    @inline(__always) func store(_ v: SIMD8<Float>, _ place: DirectPlace) {
      let target = plane + place.row * width + place.column
      let raw = UnsafeMutableRawPointer(target)
      if place.valid == 8 {
        raw.storeBytes(of: v, as: SIMD8<Float>.self)
        return
      }
      // The valid lanes (at most 7: a narrow row's last vector) as 4 + 2 + 1.
      var lane = 0
      if place.valid >= 4 {
        raw.storeBytes(of: v.lowHalf, as: SIMD4<Float>.self)
        lane = 4
      }
      let quarter = lane == 0 ? v.lowHalf : v.highHalf
      var extra = 0
      if place.valid - lane >= 2 {
        raw.storeBytes(of: quarter.lowHalf, toByteOffset: 4 * lane, as: SIMD2<Float>.self)
        extra = 2
      }
      if place.valid - lane - extra >= 1 { target[lane + extra] = quarter[extra] }
    }
    store(values.0, places.0)
    store(values.1, places.1)
    store(values.2, places.2)
    store(values.3, places.3)
  }

  /// Floats of slack a direct kernel may read past the last bordered row.
  static let directSlack = 64
}
