/// The forward pass of 3x3 convolutions on images at most 8 pixels wide that the row-panel
/// kernel does not take (the fashion-mnist U-Net's 7x7 level), with a multiple of 16 outputs,
/// computed transposed with the image window read in place: `y^T [pixels, outChannels] =
/// im2col^T [pixels, taps] . w^T [taps, outChannels]`. The register tile's 6 rows are 6
/// consecutive pixels of the chunk (across image boundaries), whose values at tap `p` are
/// broadcast straight from the zero-bordered window (`window[pixel(j) + taps[p]]`), and its 16
/// columns are 16 output channels of the weights, packed once per chunk (`outChannels x taps`
/// floats).
///
/// On 7-pixel rows a 16-pixel `B` panel straddles rows and images, so the row-panel kernel does
/// not apply (pairs of 7-pixel rows were measured no faster than the packed product), and the
/// packed product packs `im2col` (9 floats per input value, each serving 32 multiply-adds).
/// Here nothing of the input is packed, and the 49 pixels of an image fill 6-pixel panels but
/// for the last panel of the chunk.
///
/// Every output is the single chain over the taps in increasing order from zero, as the matrix
/// product computes it (its depth blocks only store and reload the partial sum): bit-identical
/// to the packed product and the reference.
extension Convolution {
  /// Whether the forward pass of this shape runs `forwardPixelPanels` (the `avx2` flavour's
  /// 6-row tile only).
  static func usesPixelPanelForward(outChannels: Int, height: Int, width: Int, kernelSize: Int) -> Bool {
    GemmKernel.microRows == 6 && kernelSize == 3 && outChannels % GemmKernel.microColumns == 0 && width <= 8
      && !usesRowPanelForward(outChannels: outChannels, height: height, width: width, kernelSize: kernelSize)
  }

  /// `y[b, o, y, x] = sum_p w[o, p] * window[pixel(b, y, x) + taps[p]]` for the chunk's images,
  /// taps in increasing order, written into `output` (`[images, outChannels, height, width]`).
  ///
  /// - Parameters: `window`: the chunk, zero-bordered; `taps`: `window.tapOffsets()`;
  ///   `weights`: `[outChannels, channels * 9]` row-major, `outChannels` a multiple of 16.
  static func forwardPixelPanels(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, weights: UnsafePointer<Float>, outChannels: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    let columns = GemmKernel.microColumns
    precondition(window.kernelSize == 3 && outChannels % columns == 0,
      "Convolution.forwardPixelPanels: needs a 3x3 window and a multiple of \(columns) outputs, got k \(window.kernelSize), \(outChannels) outputs")
    let plane = window.plane
    let pixels = images * plane
    guard pixels > 0 else { return }
    let depth = window.channels * 9
    // Window offsets of the chunk's pixels in whole 6-pixel panels (pixels past the end repeat
    // the last one and are not stored), and where each pixel's output channel 0 lies.
    let pixelOffsets = tilePixelOffsets(window, images: images, shift: 0)
    let outputOffsets = (0..<pixelOffsets.count).map { j -> Int in
      let pixel = min(j, pixels - 1)
      let image = pixel / plane
      return image * outChannels * plane + pixel - image * plane
    }
    let panels = outChannels / columns
    ScratchBuffers.with(capacity: panels * depth * columns) { packed in
      // w^T in panels of 16 outputs: panel jp, tap p, lane q = w[16 jp + q, p].
      for jp in 0..<panels {
        GemmKernel.packSixteenColumns(
          weights + jp * columns * depth, leadingDimension: depth, depth: depth, into: packed + jp * depth * columns)
      }
      pixelOffsets.withUnsafeBufferPointer { pixelOffsets in
        outputOffsets.withUnsafeBufferPointer { outputOffsets in
          for j0 in stride(from: 0, to: pixels, by: tiledPixels) {
            for jp in 0..<panels {
              GemmKernel.pixelPanelKernel(
                depth: depth, taps: taps, window: window.base, pixels: pixelOffsets.address + j0,
                rows: min(tiledPixels, pixels - j0), b: packed + jp * depth * columns,
                targets: outputOffsets.address + j0, output: output + jp * columns * plane, ldc: plane)
            }
          }
        }
      }
    }
  }
}

extension GemmKernel {
  /// The register tile of `Convolution.forwardPixelPanels`: 6 pixels by 16 outputs; at step `p`
  /// in increasing order it adds `window[pixels[r] + taps[p]]` times the 16 floats at `b + 16 p`,
  /// one fused multiply-add each, from zero. Lane `q` of row `r < rows` is stored at
  /// `output[targets[r] + q * ldc]`: through 8x8 transposes (6 consecutive floats per output)
  /// when the 6 pixels are consecutive in one image, element by element otherwise.
  @inline(never)
  static func pixelPanelKernel(
    depth: Int, taps: UnsafePointer<Int>, window: UnsafePointer<Float>, pixels: UnsafePointer<Int>, rows: Int,
    b: UnsafePointer<Float>, targets: UnsafePointer<Int>, output: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let t = broadcastSixRowSteps(
      (V(), V(), V(), V(), V(), V(), V(), V(), V(), V(), V(), V()), steps: depth, offsets: taps, window: window,
      rows: (pixels[0], pixels[1], pixels[2], pixels[3], pixels[4], pixels[5]), b: b)
    let first = targets[0]
    if rows == 6 && targets[5] == first + 5 {
      let low = transpose8x8(t.0, t.2, t.4, t.6, t.8, t.10, V(), V())
      let high = transpose8x8(t.1, t.3, t.5, t.7, t.9, t.11, V(), V())
      @inline(__always) func put(_ q: Int, _ row: V) {
        let to = output + first + q * ldc
        UnsafeMutableRawPointer(to).storeBytes(of: row.lowHalf, as: SIMD4<Float>.self)
        to[4] = row[4]
        to[5] = row[5]
      }
      put(0, low.0); put(1, low.1); put(2, low.2); put(3, low.3)
      put(4, low.4); put(5, low.5); put(6, low.6); put(7, low.7)
      put(8, high.0); put(9, high.1); put(10, high.2); put(11, high.3)
      put(12, high.4); put(13, high.5); put(14, high.6); put(15, high.7)
      return
    }
    @inline(__always) func put(_ r: Int, _ low: V, _ high: V) {
      guard r < rows else { return }
      let to = output + targets[r]
      for q in 0..<8 {
        to[q * ldc] = low[q]
        to[(q + 8) * ldc] = high[q]
      }
    }
    put(0, t.0, t.1); put(1, t.2, t.3); put(2, t.4, t.5)
    put(3, t.6, t.7); put(4, t.8, t.9); put(5, t.10, t.11)
  }
}
