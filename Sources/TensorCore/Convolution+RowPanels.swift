/// The forward pass of 3x3 convolutions on images 9 to 16 pixels wide, or 8 wide with an even
/// height (the U-Nets' 14x14, 16x16 and 8x8 levels), as an implicit matrix product: the `B` panel
/// of 16 pixels is one image row (or two 8-pixel rows) read straight from the zero-bordered
/// window, so im2col is never packed. (Pairs of 7-pixel rows, 14 of 16 lanes, were measured no
/// faster than the packed product on the 7x7 level, which `forwardPixelPanels` serves.)
///
/// `GemmKernel` packs `B = im2col` into 16-pixel micro-panels before multiplying, and on these
/// layers (16 to 96 input channels, 16 or 32 outputs) packing costs about half as much as the
/// arithmetic: every packed value serves only `outChannels` multiply-adds. Here the register
/// kernel reads, at step `p`, the 16 floats at `row + taps[p]` of the padded window: output
/// row `y` of an image lies at consecutive window addresses, and tap `p = (c, ky, kx)` only
/// moves the start. Lanes past the image's width read the border and the next row; they are
/// computed and never stored (14-wide rows use 14 of 16 lanes, 16-wide rows all of them).
///
/// Each output is the chain of `GemmKernel` over the same packed weights (rows of `A`), the same
/// depth blocks and the same steps in increasing order, from zero in the first block and from the
/// stored partial sum in later ones: bit-identical to the matrix-product path and the reference.
extension Convolution {
  /// Whether the forward pass of this shape runs `forwardRowPanels` (the `avx2` flavour's 6-row
  /// tile only; the `avx512` flavour keeps the packed product).
  static func usesRowPanelForward(outChannels: Int, height: Int, width: Int, kernelSize: Int) -> Bool {
    GemmKernel.microRows == 6 && kernelSize == 3 && outChannels > GemmKernel.fewRowsMaximum
      && ((width > 8 && width <= GemmKernel.microColumns) || (width == 8 && height % 2 == 0))
  }

  /// `y[b, o, y, x] = sum_p w[o, p] * window[pixel(b, y, x) + taps[p]]` for the chunk's images,
  /// written into `output` (`[images, outChannels, height, width]`, NCHW).
  ///
  /// - Parameters: `window`: the chunk, zero-bordered by 1 and followed by slack (a row's last
  ///   vector reads up to 7 floats past the row); `taps`: `window.tapOffsets()`; `weights`:
  ///   `[outChannels, channels * 9]` row-major.
  static func forwardRowPanels(
    _ window: ImageWindow, images: Int, taps: UnsafePointer<Int>, weights: UnsafePointer<Float>, outChannels: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    let width = window.width
    precondition(
      window.kernelSize == 3 && window.overReadable
        && ((width > 8 && width <= GemmKernel.microColumns) || (width == 8 && window.height % 2 == 0)),
      "Convolution.forwardRowPanels: needs a padded 3x3 window 9 to 16 pixels wide, or 8 wide with an even height, got k \(window.kernelSize), \(window.height)x\(width)")
    let depth = window.channels * 9
    let plane = window.plane
    // 8-pixel rows go two to a panel: lanes 0-7 from row y, 8-15 from row y + 1 (the second
    // vector is read one window row further instead of 8 floats further), which are 16
    // consecutive outputs.
    let rowsPerPanel = width == 8 ? 2 : 1
    let secondHalf = width == 8 ? window.rowStride : 8
    let lanes = rowsPerPanel * width
    let layout = GemmKernel.Layout(m: outChannels, n: GemmKernel.microColumns, k: depth)
    ScratchBuffers.with(capacity: layout.packedACount) { packedA in
      GemmKernel.packRowPanels(
        MatrixOperand(weights, leadingDimension: depth), panels: 0..<layout.rowPanels, layout: layout, into: packedA)
      for block in 0..<layout.depthBlocks {
        let blockTaps = taps + block * GemmKernel.depthBlock
        let steps = layout.depth(ofBlock: block)
        for image in 0..<images {
          for y in stride(from: 0, to: window.height, by: rowsPerPanel) {
            let source = window.base + image * window.imageStride + y * window.rowStride
            let target = output + image * outChannels * plane + y * width
            for ip in 0..<layout.rowPanels {
              GemmKernel.rowPanelKernel(
                depth: steps, a: packedA + layout.offsetA(block: block, panel: ip), source: source, taps: blockTaps,
                secondHalf: secondHalf, c: target + layout.rowStart(ofPanel: ip) * plane, ldc: plane,
                rows: layout.rowHeight(ofPanel: ip), width: lanes, startFromC: block > 0)
            }
          }
        }
      }
    }
  }
}

extension GemmKernel {
  /// The register tile of `Convolution.forwardRowPanels`: `rows` (at most `microRows`) rows of
  /// `C` by 16 lanes, the 8 floats at `source + taps[p]` and the 8 at `source + taps[p] +
  /// secondHalf`, step `p` in increasing order; the first `width` lanes are loaded (with
  /// `startFromC`) and stored, as consecutive floats of each row of `C`. 4-row panels run 8 chains, others the 12 of
  /// the 6-row tile (the packed zero rows of a shorter panel are computed and not stored).
  @inline(never)
  static func rowPanelKernel(
    depth: Int, a: UnsafePointer<Float>, source: UnsafePointer<Float>, taps: UnsafePointer<Int>, secondHalf: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, width: Int, startFromC: Bool
  ) {
    typealias V = SIMD8<Float>
    @inline(__always) func load(_ r: Int) -> (V, V) {
      guard startFromC && r < rows else { return (V(), V()) }
      let row = c + r * ldc
      let low = UnsafeRawPointer(row).loadUnaligned(as: V.self)
      if width == microColumns { return (low, UnsafeRawPointer(row + 8).loadUnaligned(as: V.self)) }
      var high = V()
      for q in 0..<(width - 8) { high[q] = row[8 + q] }
      return (low, high)
    }
    @inline(__always) func store(_ r: Int, _ low: V, _ high: V) {
      guard r < rows else { return }
      let row = c + r * ldc
      UnsafeMutableRawPointer(row).storeBytes(of: low, as: V.self)
      if width == microColumns {
        UnsafeMutableRawPointer(row + 8).storeBytes(of: high, as: V.self)
      } else {
        for q in 0..<(width - 8) { row[8 + q] = high[q] }
      }
    }
    if rows == shortPanelRows && shortPanelRows < microRows {
      let (c00, c01) = load(0), (c10, c11) = load(1), (c20, c21) = load(2), (c30, c31) = load(3)
      let t = fourRowSteps((c00, c01, c10, c11, c20, c21, c30, c31), depth: depth, a: a,
      secondHalfBytes: secondHalf * 4) { UnsafeRawPointer(source + taps[$0]) }
      store(0, t.0, t.1); store(1, t.2, t.3); store(2, t.4, t.5); store(3, t.6, t.7)
      return
    }
    let (c00, c01) = load(0), (c10, c11) = load(1), (c20, c21) = load(2)
    let (c30, c31) = load(3), (c40, c41) = load(4), (c50, c51) = load(5)
    let t = sixRowSteps((c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51), depth: depth, a: a,
      secondHalfBytes: secondHalf * 4) { UnsafeRawPointer(source + taps[$0]) }
    store(0, t.0, t.1); store(1, t.2, t.3); store(2, t.4, t.5)
    store(3, t.6, t.7); store(4, t.8, t.9); store(5, t.10, t.11)
  }
}
