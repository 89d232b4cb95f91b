/// The packed, register-tiled SIMD product behind `Gemm.multiply` (the BLIS/GotoBLAS scheme).
///
/// `C` is cut into a fixed grid of `rowBlock x columnBlock` tiles, one task each. A task walks `k`
/// in panels of `depthBlock`, packs its slices of `op(A)` (micro-panels of `microRows` rows) and
/// `op(B)` (micro-panels of `microColumns` columns, zero-padded at the edges) and runs a
/// `microRows x microColumns` kernel held in 12 SIMD8 accumulators. Every element of `C` is
/// therefore computed by the same sequence of fused multiply-adds whatever the tile it lands in
/// and whatever thread runs that tile: the thread count cannot change a bit.
enum GemmKernel {
  static let microRows = 6
  static let microColumns = 16
  static let depthBlock = 256
  static let rowBlock = 96
  static let columnBlock = 256

  static func run(
    m: Int, n: Int, k: Int, a: MatrixOperand, b: MatrixOperand,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool
  ) {
    let rowTiles = (m + rowBlock - 1) / rowBlock
    let columnTiles = (n + columnBlock - 1) / columnBlock
    let shared = UncheckedSendable((a, b, c))
    let body = { (task: Int) in
      let (a, b, c) = shared.value
      let i0 = (task / columnTiles) * rowBlock
      let j0 = (task % columnTiles) * columnBlock
      tile(
        rows: i0..<min(i0 + rowBlock, m), columns: j0..<min(j0 + columnBlock, n), k: k,
        a: a, b: b, c: c, ldc: ldc, accumulate: accumulate)
    }
    if parallel {
      ComputeThreads.forEachTask(rowTiles * columnTiles, body)
    } else {
      for task in 0..<(rowTiles * columnTiles) { body(task) }
    }
  }

  static func tile(
    rows: Range<Int>, columns: Range<Int>, k: Int, a: MatrixOperand, b: MatrixOperand,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    let rowPanels = (rows.count + microRows - 1) / microRows
    let columnPanels = (columns.count + microColumns - 1) / microColumns
    let packedA = UnsafeMutablePointer<Float>.allocate(capacity: rowPanels * microRows * depthBlock)
    let packedB = UnsafeMutablePointer<Float>.allocate(capacity: columnPanels * microColumns * depthBlock)
    defer {
      packedA.deallocate()
      packedB.deallocate()
    }
    var result = [Float](repeating: 0, count: microRows * microColumns)
    var p0 = 0
    while p0 < k {
      let depth = min(depthBlock, k - p0)
      packRows(a, rows: rows, depth: p0..<(p0 + depth), into: packedA)
      packColumns(b, columns: columns, depth: p0..<(p0 + depth), into: packedB)
      let addToC = accumulate || p0 > 0
      for jp in 0..<columnPanels {
        let panelB = packedB + jp * microColumns * depth
        let j = columns.lowerBound + jp * microColumns
        let width = min(microColumns, columns.upperBound - j)
        for ip in 0..<rowPanels {
          let panelA = packedA + ip * microRows * depth
          let i = rows.lowerBound + ip * microRows
          let height = min(microRows, rows.upperBound - i)
          if height == microRows && width == microColumns {
            microKernel(depth: depth, a: panelA, b: panelB, c: c + i * ldc + j, ldc: ldc, addToC: addToC)
          } else {
            // Edge tile: the same kernel on zero-padded panels into a scratch tile, then the
            // valid part is added; the arithmetic per element is unchanged.
            result.withUnsafeMutableBufferPointer { scratch in
              microKernel(depth: depth, a: panelA, b: panelB, c: scratch.baseAddress!, ldc: microColumns, addToC: false)
              for r in 0..<height {
                for q in 0..<width {
                  let value = scratch[r * microColumns + q]
                  let target = c + (i + r) * ldc + j + q
                  target.pointee = addToC ? target.pointee + value : value
                }
              }
            }
          }
        }
      }
      p0 += depth
    }
  }

  /// Packs rows `rows` x depth `depth` of op(A) into micro-panels: panel `ip`, step `p`, row `r`
  /// lands at `ip * microRows * depth + p * microRows + r`.
  @inline(__always)
  static func packRows(_ a: MatrixOperand, rows: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Float>) {
    let d = depth.count
    let panels = (rows.count + microRows - 1) / microRows
    for ip in 0..<panels {
      let panel = out + ip * microRows * d
      for r in 0..<microRows {
        let i = rows.lowerBound + ip * microRows + r
        if i < rows.upperBound {
          if a.isTransposed {
            var source = a.base + depth.lowerBound * a.leadingDimension + i
            for p in 0..<d {
              panel[p * microRows + r] = source.pointee
              source += a.leadingDimension
            }
          } else {
            let source = a.base + i * a.leadingDimension + depth.lowerBound
            for p in 0..<d { panel[p * microRows + r] = source[p] }
          }
        } else {
          for p in 0..<d { panel[p * microRows + r] = 0 }
        }
      }
    }
  }

  /// Packs columns `columns` x depth `depth` of op(B) into micro-panels: panel `jp`, step `p`,
  /// column `q` lands at `jp * microColumns * depth + p * microColumns + q`.
  @inline(__always)
  static func packColumns(_ b: MatrixOperand, columns: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Float>) {
    let d = depth.count
    let panels = (columns.count + microColumns - 1) / microColumns
    for jp in 0..<panels {
      let panel = out + jp * microColumns * d
      let j0 = columns.lowerBound + jp * microColumns
      let width = min(microColumns, columns.upperBound - j0)
      if b.isTransposed {
        for q in 0..<microColumns {
          if q < width {
            var source = b.base + (j0 + q) * b.leadingDimension + depth.lowerBound
            for p in 0..<d {
              panel[p * microColumns + q] = source.pointee
              source += 1
            }
          } else {
            for p in 0..<d { panel[p * microColumns + q] = 0 }
          }
        }
      } else {
        for p in 0..<d {
          let source = b.base + (depth.lowerBound + p) * b.leadingDimension + j0
          let target = panel + p * microColumns
          if width == microColumns {
            for q in 0..<microColumns { target[q] = source[q] }
          } else {
            for q in 0..<microColumns { target[q] = q < width ? source[q] : 0 }
          }
        }
      }
    }
  }

  /// The 6 x 16 register tile: `C = (addToC ? C : 0) + A_panel B_panel` over `depth` steps.
  @inline(__always)
  static func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, addToC: Bool
  ) {
    typealias V = SIMD8<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V.self)
      var s = V(repeating: pa[0])
      c00.addProduct(s, b0); c01.addProduct(s, b1)
      s = V(repeating: pa[1])
      c10.addProduct(s, b0); c11.addProduct(s, b1)
      s = V(repeating: pa[2])
      c20.addProduct(s, b0); c21.addProduct(s, b1)
      s = V(repeating: pa[3])
      c30.addProduct(s, b0); c31.addProduct(s, b1)
      s = V(repeating: pa[4])
      c40.addProduct(s, b0); c41.addProduct(s, b1)
      s = V(repeating: pa[5])
      c50.addProduct(s, b0); c51.addProduct(s, b1)
      pa += 6
      pb += 64
    }
    @inline(__always) func store(_ row: Int, _ lo: V, _ hi: V) {
      let target = UnsafeMutableRawPointer(c + row * ldc)
      if addToC {
        target.storeBytes(of: target.loadUnaligned(as: V.self) + lo, as: V.self)
        target.storeBytes(of: target.loadUnaligned(fromByteOffset: 32, as: V.self) + hi, toByteOffset: 32, as: V.self)
      } else {
        target.storeBytes(of: lo, as: V.self)
        target.storeBytes(of: hi, toByteOffset: 32, as: V.self)
      }
    }
    store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
    store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
  }
}
