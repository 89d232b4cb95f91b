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
    let pixelOffsets = (0..<pixels).map { window.pixelOffset($0) }
    // dY^T in panels of 16 outputs: panel jp, pixel j, lane q = dY[image(j), 16 jp + q, s(j)].
    let panels = outChannels / columns
    ScratchBuffers.with(capacity: panels * pixels * columns) { packed in
      for jp in 0..<panels {
        let panel = packed + jp * pixels * columns
        for image in 0..<images {
          for q in 0..<columns {
            let source = upstream + (image * outChannels + jp * columns + q) * plane
            let target = panel + image * plane * columns + q
            for s in 0..<plane { target[s * columns] = source[s] }
          }
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
    @inline(__always) func load(_ r: Int) -> (V, V) {
      guard accumulate && r < rows else { return (V(), V()) }
      var low = V(), high = V()
      for q in 0..<8 {
        low[q] = dw[q * ldw + r]
        high[q] = dw[(q + 8) * ldw + r]
      }
      return (low, high)
    }
    @inline(__always) func store(_ r: Int, _ low: V, _ high: V) {
      guard r < rows else { return }
      for q in 0..<8 {
        dw[q * ldw + r] = low[q]
        dw[(q + 8) * ldw + r] = high[q]
      }
    }
    var (c00, c01) = load(0), (c10, c11) = load(1), (c20, c21) = load(2)
    var (c30, c31) = load(3), (c40, c41) = load(4), (c50, c51) = load(5)
    var pb = UnsafeRawPointer(b)
    for j in 0..<steps {
      let x = window + pixels[j]
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
    store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
    store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
  }
}
