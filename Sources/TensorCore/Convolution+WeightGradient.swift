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
    typealias V = SIMD8<Float>
    let paddedWidth = width + 2
    let paddedHeight = height + 2
    let plane = height * width
    let rowFloats = paddedWidth * lanes
    let zeros = V()
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
          if width < 8 {
            for x in 0..<width {
              for q in 0..<8 {
                let c = group * 8 + q
                pixels[x * lanes + group * 8 + q] = c < channels ? rowSource[c * plane + x] : 0
              }
            }
            continue
          }
          var x = 0
          while x < width {
            let start = min(x, width - 8)
            @inline(__always) func row(_ q: Int) -> V {
              let c = group * 8 + q
              return c < channels ? UnsafeRawPointer(rowSource + c * plane + start).loadUnaligned(as: V.self) : zeros
            }
            let t = GemmKernel.transpose8x8(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
            let to = UnsafeMutableRawPointer(pixels + start * lanes + group * 8)
            let step = lanes * 4
            to.storeBytes(of: t.0, as: V.self)
            to.storeBytes(of: t.1, toByteOffset: step, as: V.self)
            to.storeBytes(of: t.2, toByteOffset: 2 * step, as: V.self)
            to.storeBytes(of: t.3, toByteOffset: 3 * step, as: V.self)
            to.storeBytes(of: t.4, toByteOffset: 4 * step, as: V.self)
            to.storeBytes(of: t.5, toByteOffset: 5 * step, as: V.self)
            to.storeBytes(of: t.6, toByteOffset: 6 * step, as: V.self)
            to.storeBytes(of: t.7, toByteOffset: 7 * step, as: V.self)
            x = start + 8
          }
        }
      }
    }
  }
}
