/// The input gradient of 3x3 convolutions with many channels, computed with 16 input channels in
/// the vector lanes (two SIMD8 vectors of repacked weights) and 6 pixels per tile (each `dY`
/// value broadcast to all lanes), so that no lane is wasted on planes as narrow as 7x7 and no
/// `W^T dY` product, only `outChannels` deep, has to be packed and scattered back by `col2imAdd`.
///
/// A tile keeps 12 chains in registers; per output channel it loads two weight vectors and
/// broadcasts six `dY` values for twelve fused multiply-adds. `dY` is read from the zero-bordered
/// copy of the chunk (`ImageWindow`), so a tap whose source pixel is outside the image
/// contributes exactly +0.
///
/// Every element is still the chain of the specification (`Convolution+Reference.swift`) in the
/// same order, so the result equals the reference (and the matrix-product path) bit for bit: per
/// tap `(ky, kx)`, the chain over `o` of `fma(w[o, c, ky, kx], dY[o, y - ky + 1, x - kx + 1], .)`
/// from zero, added to the pixel's running sum (from zero, in increasing tap). Out-of-image taps
/// add +0, which changes no bit (a sum started from +0 is never -0, and neither is a chain).
///
/// The same tiling for the forward pass (16 output channels in the lanes, the chain over the
/// input channels' taps) was measured slower than the matrix-product path on the U-Nets' layers
/// (cifar10 low.conv1 49-55 against 63-74 GFLOP/s), so the forward pass keeps the product.
extension Convolution {
  /// Input channels per tile (two SIMD8 vectors); the tiled kernel needs a multiple of it.
  static let tiledChannels = 16
  /// Pixels per tile.
  static let tiledPixels = 6

  typealias TileChains = (
    SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
    SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>
  )

  /// The 12 chains of one tile: for each of six pixels (source offsets `pixels[0..<6]` from
  /// `source`) and the 16 lanes of `weights`, the chain over `steps` steps `k` of
  /// `fma(weights[k * weightStride + lane], source[pixel + k * stepStride], .)` from zero.
  /// Returns pixel `i`'s lanes 0-7 at `.i` and 8-15 at `.(i + 6)`.
  @inline(__always)
  static func tileChains(
    source: UnsafePointer<Float>, pixels: UnsafePointer<Int>, steps: Int, stepStride: Int,
    weights: UnsafePointer<Float>, weightStride: Int
  ) -> TileChains {
    typealias V = SIMD8<Float>
    let (q0, q1, q2, q3, q4, q5) = (pixels[0], pixels[1], pixels[2], pixels[3], pixels[4], pixels[5])
    var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V()
    var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V()
    var w = weights
    var base = source
    for _ in 0..<steps {
      let low = UnsafeRawPointer(w).loadUnaligned(as: V.self)
      let high = UnsafeRawPointer(w + 8).loadUnaligned(as: V.self)
      var d = V(repeating: base[q0])
      a0.addProduct(low, d); b0.addProduct(high, d)
      d = V(repeating: base[q1])
      a1.addProduct(low, d); b1.addProduct(high, d)
      d = V(repeating: base[q2])
      a2.addProduct(low, d); b2.addProduct(high, d)
      d = V(repeating: base[q3])
      a3.addProduct(low, d); b3.addProduct(high, d)
      d = V(repeating: base[q4])
      a4.addProduct(low, d); b4.addProduct(high, d)
      d = V(repeating: base[q5])
      a5.addProduct(low, d); b5.addProduct(high, d)
      w += weightStride
      base += stepStride
    }
    return (a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5)
  }

  /// Source offsets of the chunk's pixels, `images * plane` of them rounded up to whole tiles
  /// (pixels past the end repeat the last one and are never stored): `window.pixelOffset(j)`
  /// plus `shift`.
  static func tilePixelOffsets(_ window: ImageWindow, images: Int, shift: Int) -> [Int] {
    let pixels = images * window.plane
    let tiles = (pixels + tiledPixels - 1) / tiledPixels
    return (0..<(tiles * tiledPixels)).map { window.pixelOffset(min($0, pixels - 1)) + shift }
  }

  /// Stores a tile's chains (or, with `accumulate`, adds them) into a channels-last
  /// `[pixels, rowLength]` buffer at pixel `first` and channel `block`, skipping pixels from
  /// `pixelCount` on.
  @inline(__always)
  static func storeTile(
    _ chains: TileChains, into rows: UnsafeMutablePointer<Float>, rowLength: Int, first: Int, block: Int,
    pixelCount: Int, accumulate: Bool
  ) {
    typealias V = SIMD8<Float>
    @inline(__always) func put(_ index: Int, _ low: V, _ high: V) {
      guard first + index < pixelCount else { return }
      let target = UnsafeMutableRawPointer(rows + (first + index) * rowLength + block)
      if accumulate {
        target.storeBytes(of: target.loadUnaligned(as: V.self) + low, as: V.self)
        target.storeBytes(of: target.loadUnaligned(fromByteOffset: 32, as: V.self) + high, toByteOffset: 32, as: V.self)
      } else {
        target.storeBytes(of: low, as: V.self)
        target.storeBytes(of: high, toByteOffset: 32, as: V.self)
      }
    }
    put(0, chains.0, chains.6); put(1, chains.1, chains.7); put(2, chains.2, chains.8)
    put(3, chains.3, chains.9); put(4, chains.4, chains.10); put(5, chains.5, chains.11)
  }

  /// Copies a channels-last `[images * plane, channels]` buffer into NCHW `[images, channels,
  /// plane]`.
  static func storeChannelsFirst(
    _ rows: UnsafePointer<Float>, images: Int, channels: Int, plane: Int, into output: UnsafeMutablePointer<Float>
  ) {
    for image in 0..<images {
      let target = output + image * channels * plane
      let source = rows + image * plane * channels
      // 8 pixels x 8 channels at a time through an 8x8 transpose; the last pixels one by one.
      let wholePixels = plane - plane % 8
      for c in stride(from: 0, to: channels - channels % 8, by: 8) {
        for pixel in stride(from: 0, to: wholePixels, by: 8) {
          let t = GemmKernel.loadTransposed(source + pixel * channels + c, leadingDimension: channels)
          GemmKernel.storeRows(t, to: UnsafeMutableRawPointer(target + c * plane + pixel), rowBytes: plane * 4)
        }
      }
      for pixel in 0..<plane {
        let firstChannel = pixel < wholePixels ? channels - channels % 8 : 0
        for c in firstChannel..<channels { target[c * plane + pixel] = source[pixel * channels + c] }
      }
    }
  }

  /// Whether the input gradient of this shape runs `inputGradientTiled`.
  static func usesTiledInputGradient(outChannels: Int, channels: Int, kernelSize: Int) -> Bool {
    kernelSize == 3 && outChannels > directMaximumOutputs && channels % tiledChannels == 0
  }

  /// 3x3 weights `[outChannels, channels, 3, 3]` tap-major, `[9, outChannels, channels]`: one
  /// tap's weights for consecutive outputs are `channels` apart. Packed once per backward pass.
  static func tapMajorWeights(_ weights: UnsafePointer<Float>, outChannels: Int, channels: Int) -> [Float] {
    var packed = [Float](repeating: 0, count: 9 * outChannels * channels)
    for o in 0..<outChannels {
      for c in 0..<channels {
        for tap in 0..<9 { packed[(tap * outChannels + o) * channels + c] = weights[(o * channels + c) * 9 + tap] }
      }
    }
    return packed
  }

  /// `inputGradientDirect` for 3x3 kernels, many outputs and `channels` a multiple of
  /// `tiledChannels`.
  ///
  /// - Parameters: `upstream`: the chunk's `dY`, zero-bordered by 1; `tapWeights`: the weights
  ///   as `tapMajorWeights` packs them; `output`: the chunk's `[images, channels, plane]`,
  ///   overwritten.
  static func inputGradientTiled(
    _ upstream: ImageWindow, images: Int, tapWeights: UnsafePointer<Float>, channels: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    precondition(upstream.kernelSize == 3 && channels % tiledChannels == 0,
      "Convolution.inputGradientTiled: needs 3x3 kernels and a multiple of \(tiledChannels) channels, got k \(upstream.kernelSize), \(channels) channels")
    let outChannels = upstream.channels
    let pixels = images * upstream.plane
    // Pixel (y, x) reads (y - ky + 1, x - kx + 1), at (y - ky + 2, x - kx + 2) with the border:
    // the offsets are those of (ky, kx) = (0, 0), each tap subtracts its own.
    let offsets = tilePixelOffsets(upstream, images: images, shift: 2 * upstream.rowStride + 2)
    // The pixels' running sums, channels-last.
    ScratchBuffers.with(capacity: pixels * channels) { sums in
      offsets.withUnsafeBufferPointer { offsets in
        for tap in 0..<9 {
          let source = upstream.base - ((tap / 3) * upstream.rowStride + tap % 3)
          for block in stride(from: 0, to: channels, by: tiledChannels) {
            for first in stride(from: 0, to: pixels, by: tiledPixels) {
              let chains = tileChains(source: source, pixels: offsets.address + first, steps: outChannels,
                stepStride: upstream.planeStride, weights: tapWeights + tap * outChannels * channels + block,
                weightStride: channels)
              storeTile(chains, into: sums, rowLength: channels, first: first, block: block, pixelCount: pixels,
                accumulate: tap > 0)
            }
          }
        }
      }
      storeChannelsFirst(sums, images: images, channels: channels, plane: upstream.plane, into: output)
    }
  }
}
