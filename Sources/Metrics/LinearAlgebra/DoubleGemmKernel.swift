import TensorCore

/// The packed, register-tiled SIMD product behind `DoubleGemm.multiply` (the BLIS/GotoBLAS scheme,
/// the Double twin of TensorCore's `GemmKernel`).
///
/// `C` is cut into a fixed grid of `rowBlock x columnBlock` tiles, one task each. A task walks `k`
/// in panels of `depthBlock`, packs its slices of `op(A)` (micro-panels of 6 rows) and `op(B)`
/// (micro-panels of 8 columns, zero-padded at the edges) and runs a 6 x 8 kernel held in twelve
/// SIMD4<Double> accumulators (15 of the 16 AVX2 registers). Every element of `C` is computed by
/// the same sequence of operations whatever tile it lands in and whatever thread runs that tile.
enum DoubleGemmKernel {
  static let microRows = 6
  static let microColumns = 8
  static let depthBlock = 256
  static let rowBlock = 96
  static let columnBlock = 256

  /// The tiles of an `m x n` output, in a fixed order; with `upperTriangleOnly` only those that
  /// meet the upper triangle (`j >= i`).
  static func tiles(m: Int, n: Int, upperTriangleOnly: Bool) -> [(
    rows: Range<Int>, columns: Range<Int>
  )] {
    var out: [(rows: Range<Int>, columns: Range<Int>)] = []
    for i0 in stride(from: 0, to: m, by: rowBlock) {
      for j0 in stride(from: 0, to: n, by: columnBlock) {
        let rows = i0..<min(i0 + rowBlock, m)
        let columns = j0..<min(j0 + columnBlock, n)
        if upperTriangleOnly && rows.lowerBound >= columns.upperBound { continue }
        out.append((rows, columns))
      }
    }
    return out
  }

  static func run<A: DoublePanelSource, B: DoublePanelSource>(
    m: Int, n: Int, k: Int, a: A, b: B, c: UnsafeMutablePointer<Double>, ldc: Int,
    accumulate: Bool, parallel: Bool, upperTriangleOnly: Bool
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "DoubleGemm: negative shape m \(m) n \(n) k \(k)")
    precondition(
      !upperTriangleOnly || m == n,
      "DoubleGemm: a symmetric result must be square, got m \(m) n \(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
      if !accumulate { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
      return
    }
    let grid = tiles(m: m, n: n, upperTriangleOnly: upperTriangleOnly)
    let shared = UncheckedSendable((a, b, c))
    let body = { (task: Int) in
      let (a, b, c) = shared.value
      tile(
        rows: grid[task].rows, columns: grid[task].columns, k: k, a: a, b: b, c: c, ldc: ldc,
        accumulate: accumulate)
    }
    if parallel {
      ComputeThreads.forEachTask(grid.count, body)
    } else {
      for task in 0..<grid.count { body(task) }
    }
    if upperTriangleOnly {
      for i in 1..<m {
        for j in 0..<i { c[i * ldc + j] = c[j * ldc + i] }
      }
    }
  }

  static func tile<A: DoublePanelSource, B: DoublePanelSource>(
    rows: Range<Int>, columns: Range<Int>, k: Int, a: A, b: B,
    c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool
  ) {
    let rowPanels = (rows.count + microRows - 1) / microRows
    let columnPanels = (columns.count + microColumns - 1) / microColumns
    let packedA = UnsafeMutablePointer<Double>.allocate(
      capacity: rowPanels * microRows * depthBlock)
    let packedB = UnsafeMutablePointer<Double>.allocate(
      capacity: columnPanels * microColumns * depthBlock)
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: microRows * microColumns)
    defer {
      packedA.deallocate()
      packedB.deallocate()
      scratch.deallocate()
    }
    var p0 = 0
    while p0 < k {
      let depth = min(depthBlock, k - p0)
      a.packRows(rows, depth: p0..<(p0 + depth), into: packedA)
      b.packColumns(columns, depth: p0..<(p0 + depth), into: packedB)
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
            microKernel(
              depth: depth, a: panelA, b: panelB, c: c + i * ldc + j, ldc: ldc, addToC: addToC)
          } else {
            // Edge tile: the same kernel on zero-padded panels into a scratch tile, then the
            // valid part is added; the arithmetic per element is unchanged.
            microKernel(
              depth: depth, a: panelA, b: panelB, c: scratch, ldc: microColumns, addToC: false)
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
      p0 += depth
    }
  }

  /// The 6 x 8 register tile: `C = (addToC ? C : 0) + A_panel B_panel` over `depth` steps.
  @inline(__always)
  static func microKernel(
    depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
    c: UnsafeMutablePointer<Double>, ldc: Int, addToC: Bool
  ) {
    typealias V = SIMD4<Double>
    var c00 = V()
    var c01 = V()
    var c10 = V()
    var c11 = V()
    var c20 = V()
    var c21 = V()
    var c30 = V()
    var c31 = V()
    var c40 = V()
    var c41 = V()
    var c50 = V()
    var c51 = V()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V.self)
      var s = V(repeating: pa[0])
      c00.addProduct(s, b0)
      c01.addProduct(s, b1)
      s = V(repeating: pa[1])
      c10.addProduct(s, b0)
      c11.addProduct(s, b1)
      s = V(repeating: pa[2])
      c20.addProduct(s, b0)
      c21.addProduct(s, b1)
      s = V(repeating: pa[3])
      c30.addProduct(s, b0)
      c31.addProduct(s, b1)
      s = V(repeating: pa[4])
      c40.addProduct(s, b0)
      c41.addProduct(s, b1)
      s = V(repeating: pa[5])
      c50.addProduct(s, b0)
      c51.addProduct(s, b1)
      pa += 6
      pb += 64
    }
    @inline(__always) func store(_ row: Int, _ lo: V, _ hi: V) {
      let target = UnsafeMutableRawPointer(c + row * ldc)
      if addToC {
        target.storeBytes(of: target.loadUnaligned(as: V.self) + lo, as: V.self)
        target.storeBytes(
          of: target.loadUnaligned(fromByteOffset: 32, as: V.self) + hi, toByteOffset: 32,
          as: V.self)
      } else {
        target.storeBytes(of: lo, as: V.self)
        target.storeBytes(of: hi, toByteOffset: 32, as: V.self)
      }
    }
    store(0, c00, c01)
    store(1, c10, c11)
    store(2, c20, c21)
    store(3, c30, c31)
    store(4, c40, c41)
    store(5, c50, c51)
  }
}
