/// The weight gradient of 3x3 convolutions with a multiple of 16 outputs, computed transposed
/// with the image window read in place: `dW^T [taps, outChannels] (+)= im2col [taps, pixels] .
/// dY^T [pixels, outChannels]`, where the register tile's 6 rows are 6 taps whose values at
/// pixel `j` are broadcast straight from the zero-bordered window (`window[pixel(j) + tap]`), and
/// its 16 columns are 16 output channels of `dY`, packed once per chunk (`outChannels x pixels`
/// floats, a ninth of the input's im2col).
///
/// The matrix-product path packs `im2col^T` (9 floats per input value) for every chunk, and on
/// the U-Nets' layers each packed value serves only 16 to 64 multiply-adds, so packing costs a
/// large fraction of the arithmetic (`packIm2colTransposed`, 5-9% of a training step).
///
/// Every `dW[o, tap]` is still the single chain over the chunk's pixels in increasing order,
/// continuing the group's chain in `dw` when accumulating, exactly as the matrix product
/// computes it (`GemmKernel`'s depth blocks only store and reload the partial sum): bit-identical.
extension Convolution {
  /// Whether the weight gradient of this shape runs `weightGradientTapPanels` (the `avx2`
  /// flavour's 6-row tile only).
  static func usesTapPanelWeightGradient(outChannels: Int, kernelSize: Int) -> Bool {
    GemmKernel.microRows == 6 && kernelSize == 3 && outChannels % GemmKernel.microColumns == 0
  }

  /// `dw[o, p] (+)= sum_j dY[o, j] * window[pixel(j) + taps[p]]` over the chunk's pixels `j` in
  /// increasing order.
  ///
  /// - Parameters: `window`: the chunk's input, zero-bordered; `taps`: `window.tapOffsets()`
  ///   (`tapCount` of them); `upstream`: the chunk's `dY`, `[images, outChannels, plane]`; `dw`:
  ///   `[outChannels, tapCount]`, overwritten unless `accumulate`.
  static func weightGradientTapPanels(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, tapCount: Int, upstream: UnsafePointer<Float>,
    outChannels: Int, dw: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let columns = GemmKernel.microColumns
    precondition(outChannels % columns == 0,
      "Convolution.weightGradientTapPanels: needs a multiple of \(columns) outputs, got \(outChannels)")
    let plane = window.plane
    let pixels = images * plane
    guard pixels > 0 else {
      if !accumulate { dw.update(repeating: 0, count: outChannels * tapCount) }
      return
    }
    // The pixels' offsets (the first `pixels` of the tiled kernel's list).
    let pixelOffsets = tilePixelOffsets(window, images: images, shift: 0)
    // dY^T in panels of 16 outputs: panel jp, pixel j, lane q = dY[image(j), 16 jp + q, s(j)],
    // each image's 16 planes transposed as a matrix product's B panel of 16 columns.
    let panels = outChannels / columns
    ScratchBuffers.with(capacity: panels * pixels * columns) { packed in
      for jp in 0..<panels {
        for image in 0..<images {
          GemmKernel.packSixteenColumns(
            upstream + (image * outChannels + jp * columns) * plane, leadingDimension: plane, depth: plane,
            into: packed + jp * pixels * columns + image * plane * columns)
        }
      }
      pixelOffsets.withUnsafeBufferPointer { pixelOffsets in
        for jp in 0..<panels {
          for t0 in stride(from: 0, to: tapCount, by: 6) {
            GemmKernel.tapPanelKernel(
              steps: pixels, pixels: pixelOffsets.address, window: window.base, taps: taps + t0,
              rows: min(6, tapCount - t0), b: packed + jp * pixels * columns,
              dw: dw + jp * columns * tapCount + t0, ldw: tapCount, accumulate: accumulate)
          }
        }
      }
    }
  }
}

extension GemmKernel {
  /// The register tile of `Convolution.weightGradientTapPanels`: `rows` (at most 6) taps by 16
  /// outputs, `c[r][q] = dw[q * ldw + r]`; at step `j` it adds `window[pixels[j] + taps[r]]`
  /// times the 16 floats at `b + 16 j`, one fused multiply-add each, steps in increasing order,
  /// from the stored `dw` when accumulating and from zero otherwise.
  @inline(never)
  static func tapPanelKernel(
    steps: Int, pixels: UnsafePointer<Int>, window: UnsafePointer<Float>, taps: UnsafePointer<Int>, rows: Int,
    b: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, ldw: Int, accumulate: Bool
  ) {
    // Taps past `rows` read tap 0's values (a valid address) and are not stored.
    let t0 = taps[0]
    let t1 = rows > 1 ? taps[1] : t0, t2 = rows > 2 ? taps[2] : t0
    let t3 = rows > 3 ? taps[3] : t0, t4 = rows > 4 ? taps[4] : t0, t5 = rows > 5 ? taps[5] : t0
    // The tile is stored transposed (`dw[q * ldw + r]`): whole 6-tap panels move through 8x8
    // transposes (6 contiguous floats per output), partial ones element by element.
    var (c00, c01, c10, c11, c20, c21) = (V(), V(), V(), V(), V(), V())
    var (c30, c31, c40, c41, c50, c51) = (V(), V(), V(), V(), V(), V())
    @inline(__always) func outputRow(_ q: Int) -> V {
      let from = dw + q * ldw
      if rows == 6 {
        let head = UnsafeRawPointer(from).loadUnaligned(as: SIMD4<Float>.self)
        return V(lowHalf: head, highHalf: SIMD4(from[4], from[5], 0, 0))
      }
      var row = V()
      for r in 0..<rows { row[r] = from[r] }
      return row
    }
    @inline(__always) func storeOutputRow(_ q: Int, _ row: V) {
      let to = dw + q * ldw
      if rows == 6 {
        UnsafeMutableRawPointer(to).storeBytes(of: row.lowHalf, as: SIMD4<Float>.self)
        to[4] = row[4]
        to[5] = row[5]
      } else {
        for r in 0..<rows { to[r] = row[r] }
      }
    }
    if accumulate {
      let low = transpose8x8(
        outputRow(0), outputRow(1), outputRow(2), outputRow(3), outputRow(4), outputRow(5), outputRow(6), outputRow(7))
      let high = transpose8x8(
        outputRow(8), outputRow(9), outputRow(10), outputRow(11), outputRow(12), outputRow(13), outputRow(14),
        outputRow(15))
      (c00, c10, c20, c30, c40, c50) = (low.0, low.1, low.2, low.3, low.4, low.5)
      (c01, c11, c21, c31, c41, c51) = (high.0, high.1, high.2, high.3, high.4, high.5)
    }
    (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = broadcastSixRowSteps(
      (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51), steps: steps, offsets: pixels, window: window,
      rows: (t0, t1, t2, t3, t4, t5), b: b)
    let low = transpose8x8(c00, c10, c20, c30, c40, c50, V(), V())
    let high = transpose8x8(c01, c11, c21, c31, c41, c51, V(), V())
    storeOutputRow(0, low.0); storeOutputRow(1, low.1); storeOutputRow(2, low.2); storeOutputRow(3, low.3)
    storeOutputRow(4, low.4); storeOutputRow(5, low.5); storeOutputRow(6, low.6); storeOutputRow(7, low.7)
    storeOutputRow(8, high.0); storeOutputRow(9, high.1); storeOutputRow(10, high.2); storeOutputRow(11, high.3)
    storeOutputRow(12, high.4); storeOutputRow(13, high.5); storeOutputRow(14, high.6); storeOutputRow(15, high.7)
  }

  /// The inner loop of the broadcast 6 x 16 tiles (`tapPanelKernel`, `pixelPanelKernel`): at
  /// step `j` in increasing order, row `r`'s two vectors (`.2r`, `.2r + 1`) add
  /// `window[offsets[j] + rows.r]` times the 16 floats at `b + 16 j`, one fused multiply-add each.
  @inline(__always)
  static func broadcastSixRowSteps(
    _ tile: (V, V, V, V, V, V, V, V, V, V, V, V), steps: Int, offsets: UnsafePointer<Int>,
    window: UnsafePointer<Float>, rows: (Int, Int, Int, Int, Int, Int), b: UnsafePointer<Float>
  ) -> (V, V, V, V, V, V, V, V, V, V, V, V) {
    var (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = tile
    let (t0, t1, t2, t3, t4, t5) = rows
    var pb = UnsafeRawPointer(b)
    for j in 0..<steps {
      let x = window + offsets[j]
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V.self)
      var s = V(repeating: x[t0])
      c00.addProduct(s, b0); c01.addProduct(s, b1)
      s = V(repeating: x[t1])
      c10.addProduct(s, b0); c11.addProduct(s, b1)
      s = V(repeating: x[t2])
      c20.addProduct(s, b0); c21.addProduct(s, b1)
      s = V(repeating: x[t3])
      c30.addProduct(s, b0); c31.addProduct(s, b1)
      s = V(repeating: x[t4])
      c40.addProduct(s, b0); c41.addProduct(s, b1)
      s = V(repeating: x[t5])
      c50.addProduct(s, b0); c51.addProduct(s, b1)
      pb += 64
    }
    return (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
  }
}
