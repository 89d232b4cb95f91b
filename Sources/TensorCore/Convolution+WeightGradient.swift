/// A direct weight gradient for 3x3 convolutions with at most `fewRowsMaximum` output channels
/// (the U-Net's last layer: 16 or 32 -> 1 or 3 channels).
///
/// As a matrix product, `dW [out, taps] = dY [out, pixels] . im2col^T [pixels, taps]` with one to
/// three rows must first transpose the whole im2col matrix into panels, and with so few rows that
/// copy costs more than the arithmetic (measured: 5-7 GFLOP/s for 16 -> 1 at 14x14). Here the
/// chunk is copied once into a channels-last, zero-bordered buffer (`[image][y][x][c8]`, `c8` the
/// channels rounded up to 8, extra channels zero), where the 8 channels of one tap of one pixel
/// are one vector load; each pixel then adds `dY[o, pixel] * x[tap, pixel, c..c+7]` to
/// accumulators that hold 8 channels of a tap.
///
/// Each `dW[o, c, ky, kx]` is still the chain of the specification (`Convolution+Reference.swift`):
/// the group's images and pixels in order, one fused multiply-add each, zero border included
/// (those terms add +0 to a sum that is never -0), so the result is that of the matrix-product
/// path bit for bit.
extension Convolution {
  /// Whether the weight gradient of this shape runs `weightGradientDirect`.
  static func usesDirectWeightGradient(outChannels: Int, kernelSize: Int) -> Bool {
    kernelSize == 3 && outChannels <= GemmKernel.fewRowsMaximum
  }

  /// Continues the weight-gradient chains in `dw` (`[outChannels, channels, 3, 3]`; started from
  /// zero when `accumulate` is false) over the chunk's images, in order.
  ///
  /// - Parameters: `first`: the chunk's first image, NCHW; `upstream`: the chunk's `dY`,
  ///   `[images, outChannels, height * width]`.
  static func weightGradientDirect(
    _ first: UnsafePointer<Float>, images: Int, channels: Int, height: Int, width: Int,
    upstream: UnsafePointer<Float>, outChannels: Int, dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    precondition(outChannels <= GemmKernel.fewRowsMaximum,
      "Convolution.weightGradientDirect: at most \(GemmKernel.fewRowsMaximum) outputs, got \(outChannels)")
    let groupsOfEight = (channels + 7) / 8
    let lanes = groupsOfEight * 8
    let paddedWidth = width + 2
    let pixelsPerImage = (height + 2) * paddedWidth
    let plane = height * width
    let taps = channels * 9
    ScratchBuffers.with(capacity: images * pixelsPerImage * lanes) { buffer in
      fillChannelsLast(first, images: images, channels: channels, height: height, width: width, lanes: lanes,
        into: buffer)
      let geometry = ChannelsLastGeometry(
        images: images, height: height, width: width, paddedWidth: paddedWidth, lanes: lanes,
        pixelsPerImage: pixelsPerImage, plane: plane, channels: channels, taps: taps)
      for group in 0..<groupsOfEight {
        if outChannels == 1 {
          weightGradientOneOutput(geometry, group: group, buffer: buffer, upstream: upstream, dw: dw, accumulate: accumulate)
        } else {
          for ky in 0..<3 {
            weightGradientKernelRow(geometry, group: group, ky: ky, outChannels: outChannels, buffer: buffer,
              upstream: upstream, dw: dw, accumulate: accumulate)
          }
        }
      }
    }
  }

  /// The extents `weightGradientDirect`'s loops need.
  struct ChannelsLastGeometry {
    let images: Int
    let height: Int
    let width: Int
    let paddedWidth: Int
    let lanes: Int
    let pixelsPerImage: Int
    let plane: Int
    let channels: Int
    let taps: Int

    /// Offset of tap (ky, kx) from a pixel's top-left neighbour, in bytes.
    @inline(__always)
    func tapBytes(_ ky: Int, _ kx: Int) -> Int { 4 * (ky * paddedWidth + kx) * lanes }

    /// The accumulator of 8 channels (`group`) x one tap of output `o`, as stored in `dw`
    /// (zero when not accumulating).
    @inline(__always)
    func load(_ dw: UnsafeMutablePointer<Float>, _ o: Int, _ group: Int, _ tap: Int, _ accumulate: Bool) -> SIMD8<Float> {
      var v = SIMD8<Float>()
      guard accumulate else { return v }
      for lane in 0..<8 where group * 8 + lane < channels { v[lane] = dw[o * taps + (group * 8 + lane) * 9 + tap] }
      return v
    }

    /// Writes an accumulator back to `dw`.
    @inline(__always)
    func store(_ v: SIMD8<Float>, _ dw: UnsafeMutablePointer<Float>, _ o: Int, _ group: Int, _ tap: Int) {
      for lane in 0..<8 where group * 8 + lane < channels { dw[o * taps + (group * 8 + lane) * 9 + tap] = v[lane] }
    }
  }

  /// All nine taps of one output for 8 channels: nine independent chains.
  @inline(never)
  static func weightGradientOneOutput(
    _ geometry: ChannelsLastGeometry, group: Int, buffer: UnsafeMutablePointer<Float>, upstream: UnsafePointer<Float>,
    dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    typealias V = SIMD8<Float>
    let g = geometry
    var a0 = g.load(dw, 0, group, 0, accumulate), a1 = g.load(dw, 0, group, 1, accumulate)
    var a2 = g.load(dw, 0, group, 2, accumulate), a3 = g.load(dw, 0, group, 3, accumulate)
    var a4 = g.load(dw, 0, group, 4, accumulate), a5 = g.load(dw, 0, group, 5, accumulate)
    var a6 = g.load(dw, 0, group, 6, accumulate), a7 = g.load(dw, 0, group, 7, accumulate)
    var a8 = g.load(dw, 0, group, 8, accumulate)
    let (t1, t2) = (g.tapBytes(0, 1), g.tapBytes(0, 2))
    let (t3, t4, t5) = (g.tapBytes(1, 0), g.tapBytes(1, 1), g.tapBytes(1, 2))
    let (t6, t7, t8) = (g.tapBytes(2, 0), g.tapBytes(2, 1), g.tapBytes(2, 2))
    for image in 0..<g.images {
      let gradient = upstream + image * g.plane
      let imageBase = buffer + image * g.pixelsPerImage * g.lanes + group * 8
      for y in 0..<g.height {
        var p = UnsafeRawPointer(imageBase + y * g.paddedWidth * g.lanes)
        let rowGradient = gradient + y * g.width
        for x in 0..<g.width {
          let d = V(repeating: rowGradient[x])
          a0.addProduct(d, p.loadUnaligned(as: V.self))
          a1.addProduct(d, (p + t1).loadUnaligned(as: V.self))
          a2.addProduct(d, (p + t2).loadUnaligned(as: V.self))
          a3.addProduct(d, (p + t3).loadUnaligned(as: V.self))
          a4.addProduct(d, (p + t4).loadUnaligned(as: V.self))
          a5.addProduct(d, (p + t5).loadUnaligned(as: V.self))
          a6.addProduct(d, (p + t6).loadUnaligned(as: V.self))
          a7.addProduct(d, (p + t7).loadUnaligned(as: V.self))
          a8.addProduct(d, (p + t8).loadUnaligned(as: V.self))
          p += 4 * g.lanes
        }
      }
    }
    g.store(a0, dw, 0, group, 0); g.store(a1, dw, 0, group, 1); g.store(a2, dw, 0, group, 2)
    g.store(a3, dw, 0, group, 3); g.store(a4, dw, 0, group, 4); g.store(a5, dw, 0, group, 5)
    g.store(a6, dw, 0, group, 6); g.store(a7, dw, 0, group, 7); g.store(a8, dw, 0, group, 8)
  }

  /// One kernel row (three taps) of two or three outputs for 8 channels: up to nine chains.
  @inline(never)
  static func weightGradientKernelRow(
    _ geometry: ChannelsLastGeometry, group: Int, ky: Int, outChannels: Int, buffer: UnsafeMutablePointer<Float>,
    upstream: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    typealias V = SIMD8<Float>
    let g = geometry
    let third = outChannels > 2
    let (k0, k1, k2) = (ky * 3, ky * 3 + 1, ky * 3 + 2)
    var a0 = g.load(dw, 0, group, k0, accumulate), a1 = g.load(dw, 0, group, k1, accumulate)
    var a2 = g.load(dw, 0, group, k2, accumulate)
    var b0 = g.load(dw, 1, group, k0, accumulate), b1 = g.load(dw, 1, group, k1, accumulate)
    var b2 = g.load(dw, 1, group, k2, accumulate)
    var c0 = V(), c1 = V(), c2 = V()
    if third {
      (c0, c1, c2) = (g.load(dw, 2, group, k0, accumulate), g.load(dw, 2, group, k1, accumulate),
        g.load(dw, 2, group, k2, accumulate))
    }
    let (t0, t1, t2) = (g.tapBytes(ky, 0), g.tapBytes(ky, 1), g.tapBytes(ky, 2))
    for image in 0..<g.images {
      let gradient = upstream + image * outChannels * g.plane
      let imageBase = buffer + image * g.pixelsPerImage * g.lanes + group * 8
      for y in 0..<g.height {
        var p = UnsafeRawPointer(imageBase + y * g.paddedWidth * g.lanes)
        let rowGradient = gradient + y * g.width
        for x in 0..<g.width {
          let x0 = (p + t0).loadUnaligned(as: V.self)
          let x1 = (p + t1).loadUnaligned(as: V.self)
          let x2 = (p + t2).loadUnaligned(as: V.self)
          let d0 = V(repeating: rowGradient[x])
          a0.addProduct(d0, x0); a1.addProduct(d0, x1); a2.addProduct(d0, x2)
          let d1 = V(repeating: rowGradient[g.plane + x])
          b0.addProduct(d1, x0); b1.addProduct(d1, x1); b2.addProduct(d1, x2)
          if third {
            let d2 = V(repeating: rowGradient[2 * g.plane + x])
            c0.addProduct(d2, x0); c1.addProduct(d2, x1); c2.addProduct(d2, x2)
          }
          p += 4 * g.lanes
        }
      }
    }
    g.store(a0, dw, 0, group, k0); g.store(a1, dw, 0, group, k1); g.store(a2, dw, 0, group, k2)
    g.store(b0, dw, 1, group, k0); g.store(b1, dw, 1, group, k1); g.store(b2, dw, 1, group, k2)
    if third { g.store(c0, dw, 2, group, k0); g.store(c1, dw, 2, group, k1); g.store(c2, dw, 2, group, k2) }
  }

  /// Copies `images` NCHW images channels-last into `buffer` (`[image][py][px][lanes]`, with a
  /// one-pixel zero border and channels past `channels` zero), transposing 8 channels x 8 pixels
  /// in registers. Rows of 8 or more pixels end with a vector that overlaps the previous one
  /// instead of reading past the row; narrower rows are copied one value at a time.
  static func fillChannelsLast(
    _ source: UnsafePointer<Float>, images: Int, channels: Int, height: Int, width: Int, lanes: Int,
    into buffer: UnsafeMutablePointer<Float>
  ) {
    let paddedWidth = width + 2
    let paddedHeight = height + 2
    let plane = height * width
    let rowFloats = paddedWidth * lanes
    for image in 0..<images {
      let imageTarget = buffer + image * paddedHeight * rowFloats
      let imageSource = source + image * channels * plane
      imageTarget.update(repeating: 0, count: rowFloats)
      (imageTarget + (paddedHeight - 1) * rowFloats).update(repeating: 0, count: rowFloats)
      for y in 0..<height {
        let rowTarget = imageTarget + (y + 1) * rowFloats
        rowTarget.update(repeating: 0, count: lanes)
        (rowTarget + (paddedWidth - 1) * lanes).update(repeating: 0, count: lanes)
        let pixels = rowTarget + lanes
        let rowSource = imageSource + y * width
        for group in 0..<(lanes / 8) {
          transposeRun(rowSource, channelStride: plane, channels: channels, group: group, count: width,
            into: pixels + group * 8, pixelStride: lanes)
        }
      }
    }
  }
}

/// A direct weight gradient for shallow 3x3 layers (at most `directMaximumDepth` taps, more than
/// `fewRowsMaximum` outputs: the U-Net's first layer, 1 or 3 -> 16 or 32 channels).
///
/// As a matrix product its depth would be the 9 or 27 taps, so the 6 x 16 tile would mostly
/// load and store. Here the chunk's `dY` is copied pixel-major (`[pixel][outputs rounded up to
/// 8]`), so 16 outputs of one pixel are two vector loads, and each pixel adds
/// `dY[o..o+15, pixel] * x[tap, pixel]` for six taps at a time: twelve independent chains, each
/// the specification's chain over the group's images and pixels in order.
extension Convolution {
  /// Whether the weight gradient of this shape runs `weightGradientShallow`.
  static func usesShallowWeightGradient(outChannels: Int, depth: Int, kernelSize: Int) -> Bool {
    kernelSize == 3 && depth <= directMaximumDepth && outChannels > GemmKernel.fewRowsMaximum
  }

  /// Continues the weight-gradient chains in `dw` (`[outChannels, taps]`; from zero when
  /// `accumulate` is false) over the images of `window` (zero-bordered, k = 3).
  ///
  /// - Parameters: `taps`: offsets of the taps from a pixel's base offset in `window`;
  ///   `upstream`: the chunk's `dY`, `[images, outChannels, height * width]`.
  static func weightGradientShallow(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int,
    upstream: UnsafePointer<Float>, outChannels: Int, dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let plane = window.plane
    let pairs = (outChannels + 15) / 16
    let lanes = pairs * 16
    ScratchBuffers.with(capacity: images * plane * lanes) { gradients in
      fillPixelMajor(upstream, images: images, channels: outChannels, plane: plane, lanes: lanes, into: gradients)
      for pair in 0..<pairs {
        var first = 0
        while first < tapCount {
          weightGradientSixTaps(
            window, images: images, taps: taps, tapCount: tapCount, firstTap: first, gradients: gradients,
            lanes: lanes, pair: pair, outChannels: outChannels, dw: dw, accumulate: accumulate)
          first += 6
        }
      }
    }
  }

  /// Twelve chains: outputs `16 pair ..< 16 pair + 16` x taps `firstTap ..< firstTap + 6` (tap
  /// slots past `tapCount` repeat tap 0 and are not stored).
  @inline(never)
  static func weightGradientSixTaps(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int, firstTap: Int,
    gradients: UnsafePointer<Float>, lanes: Int, pair: Int, outChannels: Int,
    dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    typealias V = SIMD8<Float>
    @inline(__always) func tap(_ t: Int) -> Int { firstTap + t < tapCount ? taps[firstTap + t] : taps[0] }
    @inline(__always) func load(_ t: Int, _ half: Int) -> V {
      var v = V()
      guard accumulate && firstTap + t < tapCount else { return v }
      for lane in 0..<8 {
        let o = pair * 16 + half * 8 + lane
        if o < outChannels { v[lane] = dw[o * tapCount + firstTap + t] }
      }
      return v
    }
    @inline(__always) func store(_ v: V, _ t: Int, _ half: Int) {
      guard firstTap + t < tapCount else { return }
      for lane in 0..<8 {
        let o = pair * 16 + half * 8 + lane
        if o < outChannels { dw[o * tapCount + firstTap + t] = v[lane] }
      }
    }
    let (p0, p1, p2, p3, p4, p5) = (tap(0), tap(1), tap(2), tap(3), tap(4), tap(5))
    var a0 = load(0, 0), b0 = load(0, 1), a1 = load(1, 0), b1 = load(1, 1), a2 = load(2, 0), b2 = load(2, 1)
    var a3 = load(3, 0), b3 = load(3, 1), a4 = load(4, 0), b4 = load(4, 1), a5 = load(5, 0), b5 = load(5, 1)
    let plane = window.plane
    for image in 0..<images {
      for y in 0..<window.height {
        let pixels = window.base + image * window.imageStride + y * window.rowStride
        // 32-byte aligned: the scratch buffer is 64-byte aligned and lanes is a multiple of 16.
        var gradient = UnsafeRawPointer(gradients + ((image * plane + y * window.width) * lanes + pair * 16))
        for x in 0..<window.width {
          let d0 = gradient.load(as: V.self)
          let d1 = gradient.load(fromByteOffset: 32, as: V.self)
          let pixel = pixels + x
          var s = V(repeating: pixel[p0])
          a0.addProduct(d0, s); b0.addProduct(d1, s)
          s = V(repeating: pixel[p1])
          a1.addProduct(d0, s); b1.addProduct(d1, s)
          s = V(repeating: pixel[p2])
          a2.addProduct(d0, s); b2.addProduct(d1, s)
          s = V(repeating: pixel[p3])
          a3.addProduct(d0, s); b3.addProduct(d1, s)
          s = V(repeating: pixel[p4])
          a4.addProduct(d0, s); b4.addProduct(d1, s)
          s = V(repeating: pixel[p5])
          a5.addProduct(d0, s); b5.addProduct(d1, s)
          gradient += 4 * lanes
        }
      }
    }
    store(a0, 0, 0); store(b0, 0, 1); store(a1, 1, 0); store(b1, 1, 1); store(a2, 2, 0); store(b2, 2, 1)
    store(a3, 3, 0); store(b3, 3, 1); store(a4, 4, 0); store(b4, 4, 1); store(a5, 5, 0); store(b5, 5, 1)
  }

  /// Copies `[images, channels, plane]` pixel-major into `buffer` (`[images * plane][lanes]`,
  /// channels past `channels` zero), transposing 8 channels x 8 pixels in registers; a plane of
  /// 8 or more pixels ends with a vector overlapping the previous one, smaller planes go one
  /// value at a time.
  static func fillPixelMajor(
    _ source: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, lanes: Int,
    into buffer: UnsafeMutablePointer<Float>
  ) {
    for image in 0..<images {
      let imageSource = source + image * channels * plane
      let imageTarget = buffer + image * plane * lanes
      for group in 0..<(lanes / 8) {
        transposeRun(imageSource, channelStride: plane, channels: channels, group: group, count: plane,
          into: imageTarget + group * 8, pixelStride: lanes)
      }
    }
  }

  /// Writes channels `8 group ..< 8 group + 8` of `count` consecutive pixels pixel-major:
  /// `target[j * pixelStride + q] = source[(8 group + q) * channelStride + j]`, zero for channels
  /// past `channels`. Eight pixels at a time through an 8 x 8 register transpose, the last vector
  /// overlapping the previous one (no read past the run); runs under 8 pixels one value at a
  /// time.
  @inline(__always)
  static func transposeRun(
    _ source: UnsafePointer<Float>, channelStride: Int, channels: Int, group: Int, count: Int,
    into target: UnsafeMutablePointer<Float>, pixelStride: Int
  ) {
    typealias V = SIMD8<Float>
    if count < 8 {
      for j in 0..<count {
        for q in 0..<8 {
          let c = group * 8 + q
          target[j * pixelStride + q] = c < channels ? source[c * channelStride + j] : 0
        }
      }
      return
    }
    let zeros = V()
    var j = 0
    while j < count {
      let start = min(j, count - 8)
      @inline(__always) func row(_ q: Int) -> V {
        let c = group * 8 + q
        return c < channels ? UnsafeRawPointer(source + c * channelStride + start).loadUnaligned(as: V.self) : zeros
      }
      let t = GemmKernel.transpose8x8(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
      GemmKernel.storeRows(t, to: UnsafeMutableRawPointer(target + start * pixelStride), rowBytes: pixelStride * 4)
      j = start + 8
    }
  }
}
