/// Packing of the operands into the micro-panels the register kernel reads (see `GemmKernel`).
///
/// Packing only copies (and zero-pads), so it cannot change a result; it is vectorised with 8x8
/// in-register transposes where the stored operand runs the other way from the panel.
extension GemmKernel {
  typealias V = SIMD8<Float>

  /// Packs the row micro-panels `panels` of `op(A)`, every depth block: panel `ip` of block `kb`,
  /// step `p`, row `layout.rowStart(ofPanel: ip) + r` lands at `layout.offsetA(kb, ip) + p *
  /// microRows + r` (rows past the panel's height are zero).
  static func packRowPanels(
    _ a: MatrixOperand, panels: Range<Int>, layout: Layout, into out: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<layout.depthBlocks {
      let p0 = block * depthBlock
      let depth = layout.depth(ofBlock: block)
      for ip in panels {
        let panel = out + layout.offsetA(block: block, panel: ip)
        let i0 = layout.rowStart(ofPanel: ip)
        let height = layout.rowHeight(ofPanel: ip)
        if a.isTransposed {
          // Stored [k, m]: the rows of a step are contiguous.
          let source = a.base + p0 * a.leadingDimension + i0
          if height == microRows {
            for p in 0..<depth {
              let from = UnsafeRawPointer(source + p * a.leadingDimension)
              let to = UnsafeMutableRawPointer(panel + p * microRows)
              #if AVX512
                to.storeBytes(of: from.loadUnaligned(as: V.self), as: V.self)
              #else
                to.storeBytes(of: from.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                to.storeBytes(
                  of: from.loadUnaligned(fromByteOffset: 16, as: SIMD2<Float>.self), toByteOffset: 16,
                  as: SIMD2<Float>.self)
              #endif
            }
          } else {
            for p in 0..<depth {
              for r in 0..<microRows {
                panel[p * microRows + r] = r < height ? source[p * a.leadingDimension + r] : 0
              }
            }
          }
        } else {
          // Stored [m, k]: each row runs along the depth; transpose 8 steps at a time.
          let source = a.base + i0 * a.leadingDimension + p0
          if height == microRows {
            #if AVX512
              packEightRows(source, leadingDimension: a.leadingDimension, depth: depth, into: panel)
            #else
              packSixRows(source, leadingDimension: a.leadingDimension, depth: depth, into: panel)
            #endif
          } else {
            for p in 0..<depth {
              for r in 0..<microRows {
                panel[p * microRows + r] = r < height ? source[r * a.leadingDimension + p] : 0
              }
            }
          }
        }
      }
    }
  }

  /// Packs the column micro-panels `panels` of `op(B)`, every depth block: panel `jp` of block
  /// `kb`, step `p`, column `q` lands at `layout.offsetB(kb, jp) + p * microColumns + q`.
  static func packColumnPanels(
    _ b: MatrixOperand, panels: Range<Int>, layout: Layout, into out: UnsafeMutablePointer<Float>
  ) {
    for block in 0..<layout.depthBlocks {
      let p0 = block * depthBlock
      let depth = layout.depth(ofBlock: block)
      for jp in panels {
        let panel = out + layout.offsetB(block: block, panel: jp)
        let j0 = jp * microColumns
        let width = min(microColumns, layout.n - j0)
        if b.isTransposed {
          // Stored [n, k]: each column of op(B) runs along the depth; transpose 8 x 8 blocks.
          let source = b.base + j0 * b.leadingDimension + p0
          if width == microColumns {
            packSixteenColumns(source, leadingDimension: b.leadingDimension, depth: depth, into: panel)
          } else {
            for p in 0..<depth {
              for q in 0..<microColumns {
                panel[p * microColumns + q] = q < width ? source[q * b.leadingDimension + p] : 0
              }
            }
          }
        } else {
          // Stored [k, n]: the 16 columns of a step are contiguous.
          let source = b.base + p0 * b.leadingDimension + j0
          if width == microColumns {
            for p in 0..<depth {
              let from = UnsafeRawPointer(source + p * b.leadingDimension)
              let to = UnsafeMutableRawPointer(panel + p * microColumns)
              to.storeBytes(of: from.loadUnaligned(as: V.self), as: V.self)
              to.storeBytes(of: from.loadUnaligned(fromByteOffset: 32, as: V.self), toByteOffset: 32, as: V.self)
            }
          } else {
            for p in 0..<depth {
              let row = source + p * b.leadingDimension
              for q in 0..<microColumns { panel[p * microColumns + q] = q < width ? row[q] : 0 }
            }
          }
        }
      }
    }
  }

  #if !AVX512
  /// `panel[p * 6 + r] = source[r * ld + p]` for 6 full rows (the `avx2` flavour's row panels).
  @inline(__always)
  static func packSixRows(
    _ source: UnsafePointer<Float>, leadingDimension ld: Int, depth: Int, into panel: UnsafeMutablePointer<Float>
  ) {
    var p = 0
    while p + 8 <= depth {
      let r0 = UnsafeRawPointer(source + p).loadUnaligned(as: V.self)
      let r1 = UnsafeRawPointer(source + ld + p).loadUnaligned(as: V.self)
      let r2 = UnsafeRawPointer(source + 2 * ld + p).loadUnaligned(as: V.self)
      let r3 = UnsafeRawPointer(source + 3 * ld + p).loadUnaligned(as: V.self)
      let r4 = UnsafeRawPointer(source + 4 * ld + p).loadUnaligned(as: V.self)
      let r5 = UnsafeRawPointer(source + 5 * ld + p).loadUnaligned(as: V.self)
      let t = transpose8x8(r0, r1, r2, r3, r4, r5, V(), V())
      // Each step is 6 floats; a full 8-float store spills 2 floats into the next step, which
      // the next store overwrites. The last step of the group is stored exactly, so nothing is
      // ever written outside this panel.
      let to = UnsafeMutableRawPointer(panel + p * microRows)
      to.storeBytes(of: t.0, toByteOffset: 0, as: V.self)
      to.storeBytes(of: t.1, toByteOffset: 24, as: V.self)
      to.storeBytes(of: t.2, toByteOffset: 48, as: V.self)
      to.storeBytes(of: t.3, toByteOffset: 72, as: V.self)
      to.storeBytes(of: t.4, toByteOffset: 96, as: V.self)
      to.storeBytes(of: t.5, toByteOffset: 120, as: V.self)
      to.storeBytes(of: t.6, toByteOffset: 144, as: V.self)
      to.storeBytes(of: t.7.lowHalf, toByteOffset: 168, as: SIMD4<Float>.self)
      to.storeBytes(of: SIMD2(t.7[4], t.7[5]), toByteOffset: 184, as: SIMD2<Float>.self)
      p += 8
    }
    while p < depth {
      for r in 0..<microRows { panel[p * microRows + r] = source[r * ld + p] }
      p += 1
    }
  }
  #endif

  /// `panel[p * 8 + r] = source[r * ld + p]` for 8 full rows (the `avx512` flavour's row panels).
  @inline(__always)
  static func packEightRows(
    _ source: UnsafePointer<Float>, leadingDimension ld: Int, depth: Int, into panel: UnsafeMutablePointer<Float>
  ) {
    var p = 0
    while p + 8 <= depth {
      storeRows(loadTransposed(source + p, leadingDimension: ld), to: UnsafeMutableRawPointer(panel + p * 8), rowBytes: 32)
      p += 8
    }
    while p < depth {
      for r in 0..<8 { panel[p * 8 + r] = source[r * ld + p] }
      p += 1
    }
  }

  /// `panel[p * 16 + q] = source[q * ld + p]` for 16 full columns.
  @inline(__always)
  static func packSixteenColumns(
    _ source: UnsafePointer<Float>, leadingDimension ld: Int, depth: Int, into panel: UnsafeMutablePointer<Float>
  ) {
    var p = 0
    while p + 8 <= depth {
      for half in 0..<2 {
        let t = loadTransposed(source + half * 8 * ld + p, leadingDimension: ld)
        storeRows(t, to: UnsafeMutableRawPointer(panel + p * microColumns + half * 8), rowBytes: 64)
      }
      p += 8
    }
    while p < depth {
      for q in 0..<microColumns { panel[p * microColumns + q] = source[q * ld + p] }
      p += 1
    }
  }

  /// The transpose of the 8 x 8 block whose rows start at `rows`, `ld` floats apart: result `j`
  /// holds element `j` of every row.
  @inline(__always)
  static func loadTransposed(_ rows: UnsafePointer<Float>, leadingDimension ld: Int) -> (V, V, V, V, V, V, V, V) {
    transpose8x8(
      UnsafeRawPointer(rows).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 2 * ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 3 * ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 4 * ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 5 * ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 6 * ld).loadUnaligned(as: V.self),
      UnsafeRawPointer(rows + 7 * ld).loadUnaligned(as: V.self))
  }

  /// Stores the first `rows` (default all 8) vectors of `t` at `to`, `rowBytes` apart: the
  /// result of `transpose8x8`, one row per pixel or depth step.
  @inline(__always)
  static func storeRows(
    _ t: (V, V, V, V, V, V, V, V), count rows: Int = 8, to: UnsafeMutableRawPointer, rowBytes: Int
  ) {
    to.storeBytes(of: t.0, as: V.self)
    if rows > 1 { to.storeBytes(of: t.1, toByteOffset: rowBytes, as: V.self) }
    if rows > 2 { to.storeBytes(of: t.2, toByteOffset: 2 * rowBytes, as: V.self) }
    if rows > 3 { to.storeBytes(of: t.3, toByteOffset: 3 * rowBytes, as: V.self) }
    if rows > 4 { to.storeBytes(of: t.4, toByteOffset: 4 * rowBytes, as: V.self) }
    if rows > 5 { to.storeBytes(of: t.5, toByteOffset: 5 * rowBytes, as: V.self) }
    if rows > 6 { to.storeBytes(of: t.6, toByteOffset: 6 * rowBytes, as: V.self) }
    if rows > 7 { to.storeBytes(of: t.7, toByteOffset: 7 * rowBytes, as: V.self) }
  }

  /// The transpose of the 8 x 8 matrix with rows `r0...r7`: result `j` is column `j`.
  /// Written as the unpack / pair-shuffle / lane-swap network that compiles to 24 AVX shuffles.
  @inline(__always)
  static func transpose8x8(
    _ r0: V, _ r1: V, _ r2: V, _ r3: V, _ r4: V, _ r5: V, _ r6: V, _ r7: V
  ) -> (V, V, V, V, V, V, V, V) {
    @inline(__always) func unpackLow(_ a: V, _ b: V) -> V { V(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
    @inline(__always) func unpackHigh(_ a: V, _ b: V) -> V { V(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
    @inline(__always) func lowPairs(_ a: V, _ b: V) -> V { V(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]) }
    @inline(__always) func highPairs(_ a: V, _ b: V) -> V { V(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]) }
    @inline(__always) func lowLanes(_ a: V, _ b: V) -> V { V(lowHalf: a.lowHalf, highHalf: b.lowHalf) }
    @inline(__always) func highLanes(_ a: V, _ b: V) -> V { V(lowHalf: a.highHalf, highHalf: b.highHalf) }
    let t0 = unpackLow(r0, r1), t1 = unpackHigh(r0, r1)
    let t2 = unpackLow(r2, r3), t3 = unpackHigh(r2, r3)
    let t4 = unpackLow(r4, r5), t5 = unpackHigh(r4, r5)
    let t6 = unpackLow(r6, r7), t7 = unpackHigh(r6, r7)
    let s0 = lowPairs(t0, t2), s1 = highPairs(t0, t2)
    let s2 = lowPairs(t1, t3), s3 = highPairs(t1, t3)
    let s4 = lowPairs(t4, t6), s5 = highPairs(t4, t6)
    let s6 = lowPairs(t5, t7), s7 = highPairs(t5, t7)
    return (
      lowLanes(s0, s4), lowLanes(s1, s5), lowLanes(s2, s6), lowLanes(s3, s7),
      highLanes(s0, s4), highLanes(s1, s5), highLanes(s2, s6), highLanes(s3, s7)
    )
  }
}
