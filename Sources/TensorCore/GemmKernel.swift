/// The packed, register-tiled SIMD product behind `Gemm.multiply` (the BLIS/GotoBLAS scheme).
///
/// - `C` is cut into a fixed grid of tiles (`Partition`, a function of the shape only). The tiles
///   are tasks on the pool, each taken by whichever thread is free (`ClaimedTasks`).
/// - `op(A)` is packed into micro-panels of `microRows` rows and `op(B)` into micro-panels of
///   `microColumns` columns, both cut along `k` into blocks of `depthBlock` and zero-padded at
///   the edges (`GemmKernel+Packing.swift`). Each tile's row chunk of A and column chunk of B is
///   packed once, by the first task that needs it (`PackOnce`; a task waiting for a chunk that
///   another thread is packing packs another chunk meanwhile), so one dispatch covers packing
///   and arithmetic. Packing is a copy.
/// - A task walks the depth blocks in increasing order and, inside a block, runs the
///   `microRows x microColumns` register kernel over its micro-tiles. The kernel holds a tile of
///   `C` in registers (6x16 in 12 SIMD8 accumulators in the `avx2` flavour; 8x16 in 8 SIMD16
///   accumulators in the `avx512` flavour, which has 32 vector registers), starts them from zero
///   in the first depth block (from `C` itself when accumulating) and from the stored partial
///   result in later blocks, and adds `a_ip * b_pj` with one fused multiply-add per step.
///
/// So every element of `C` is the single chain
/// `fma(a[i,k-1], b[k-1,j], ... fma(a[i,0], b[0,j], (accumulate ? C[i,j] : 0)))` in increasing
/// `p`, exactly the chain of `Gemm.reference`: the fast path is bit-identical to the reference,
/// and no tiling, block size, kernel flavour or thread count can change a bit.
enum GemmKernel {
  #if AVX512
    /// Rows of the register tile (8 zmm accumulators + B + broadcasts, of 32 zmm).
    static let microRows = 8
  #else
    /// Rows of the register tile (6 x 2 ymm accumulators + 2 for B + 1 broadcast: 15 of 16 ymm).
    static let microRows = 6
  #endif
  #if AVX512
    /// Height of the short row panels (none in this flavour: 16, 32 and 64 are whole panels).
    static let shortPanelRows = 8
  #else
    /// Height of the short row panels that end some products (see `Layout.rowStart`).
    static let shortPanelRows = 4
  #endif
  /// Columns of the register tile: two SIMD8 vectors.
  static let microColumns = 16
  /// Depth of a packed block: a B micro-panel (16 KiB) stays in L1 while the kernel sweeps the
  /// A micro-panels of the task, which stay in L2.
  static let depthBlock = 256
  /// Most micro-panels of rows in one task's tile (96 rows).
  static let maxRowPanelsPerTask = 16
  /// Most micro-panels of columns in one task's tile (256 columns).
  static let maxColumnPanelsPerTask = 16
  /// Below this many multiply-adds a product runs on the calling thread: waking the pool costs
  /// more than it saves. Results do not depend on it.
  static let parallelThreshold = 1 << 18

  /// The packed geometry of one product.
  struct Layout {
    let m: Int
    let n: Int
    let k: Int
    let rowPanels: Int
    let columnPanels: Int
    let depthBlocks: Int
    /// Row panels of `microRows` rows; the panels after them are `lastPanelRows` high (the very
    /// last one possibly less).
    let fullRowPanels: Int
    let lastPanelRows: Int

    init(m: Int, n: Int, k: Int) {
      (fullRowPanels, lastPanelRows) = Layout.rowPanelHeights(m: m)
      self.m = m
      self.n = n
      self.k = k
      rowPanels = (m + microRows - 1) / microRows
      columnPanels = (n + microColumns - 1) / microColumns
      depthBlocks = (k + depthBlock - 1) / depthBlock
    }

    /// First row of row micro-panel `panel`.
    ///
    /// Panels are `microRows` high, except that in the `avx2` flavour a row count that leaves 2
    /// or 4 rows after its whole 6-row panels (`m = 16, 32, 64`: the U-Nets' channel counts) ends
    /// with one or two 4-row panels instead of one padded 6-row panel: 6+6+4 rows for `m = 16`,
    /// 6+6+6+6+4+4 for `m = 32`, which `fourRowKernel` computes with no padding rows (a padded
    /// panel spends 6 rows of multiply-adds on 4 or 2). The number of panels is the same, and
    /// storage keeps `microRows` floats per step, so only where a panel starts changes.
    @inline(__always)
    func rowStart(ofPanel panel: Int) -> Int {
      panel <= fullRowPanels ? panel * microRows : fullRowPanels * microRows + (panel - fullRowPanels) * lastPanelRows
    }

    /// Rows of `op(A)` in row micro-panel `panel` (at most `microRows`; the rest is zero padding).
    @inline(__always)
    func rowHeight(ofPanel panel: Int) -> Int {
      panel < fullRowPanels ? microRows : min(lastPanelRows, m - rowStart(ofPanel: panel))
    }

    /// Row panels of `microRows` rows, and the height of the panels after them.
    static func rowPanelHeights(m: Int) -> (full: Int, last: Int) {
      let short = GemmKernel.shortPanelRows
      guard short < microRows && m > microRows else { return (m / microRows, microRows) }
      switch m % microRows {
      case short: return (m / microRows, short)
      case 2 * short - microRows: return (m / microRows - 1, short)
      default: return (m / microRows, microRows)
      }
    }

    /// Floats of packed `op(A)`: every row panel, every depth.
    var packedACount: Int { rowPanels * microRows * k }
    /// Floats of packed `op(B)`.
    var packedBCount: Int { columnPanels * microColumns * k }

    /// Depth of block `block`.
    @inline(__always)
    func depth(ofBlock block: Int) -> Int { min(depthBlock, k - block * depthBlock) }

    /// Start of A micro-panel `panel` in depth block `block`: blocks are stored one after the
    /// other, and inside a block the panels, each `[depth][microRows]`.
    @inline(__always)
    func offsetA(block: Int, panel: Int) -> Int {
      block * depthBlock * rowPanels * microRows + panel * microRows * depth(ofBlock: block)
    }

    /// Start of B micro-panel `panel` in depth block `block`, each panel `[depth][microColumns]`.
    @inline(__always)
    func offsetB(block: Int, panel: Int) -> Int {
      block * depthBlock * columnPanels * microColumns + panel * microColumns * depth(ofBlock: block)
    }
  }

  /// The fixed grid of tasks over `C`, in units of micro-panels: chunks of near-equal size (they
  /// differ by at most one panel), and an even number of tasks whenever there are several, so
  /// that two threads get the same work.
  struct Partition {
    let rowChunks: [Range<Int>]
    let columnChunks: [Range<Int>]

    init(_ layout: Layout) {
      var rows = (layout.rowPanels + maxRowPanelsPerTask - 1) / maxRowPanelsPerTask
      var columns = (layout.columnPanels + maxColumnPanelsPerTask - 1) / maxColumnPanelsPerTask
      let large = layout.m * layout.n * layout.k >= parallelThreshold
      if large && (rows * columns) % 2 == 1 {
        // One more chunk along the dimension whose chunks are larger.
        let rowsLarger = layout.rowPanels * columns >= layout.columnPanels * rows
        if rowsLarger && layout.rowPanels > rows {
          rows += 1
        } else if layout.columnPanels > columns {
          columns += 1
        } else if layout.rowPanels > rows {
          rows += 1
        }
      }
      rowChunks = Partition.split(layout.rowPanels, into: rows)
      columnChunks = Partition.split(layout.columnPanels, into: columns)
    }

    /// `count` consecutive ranges covering `0..<total`, sizes differing by at most one.
    static func split(_ total: Int, into count: Int) -> [Range<Int>] {
      let base = total / count
      let extra = total % count
      var ranges: [Range<Int>] = []
      var start = 0
      for index in 0..<count {
        let size = base + (index < extra ? 1 : 0)
        ranges.append(start..<(start + size))
        start += size
      }
      return ranges
    }

    var taskCount: Int { rowChunks.count * columnChunks.count }
  }

  /// Writes the packed `op(B)` micro-panels `panels` of every depth block (see
  /// `packColumnPanels` for the layout). Called concurrently for disjoint panel ranges.
  typealias ColumnPanelPacker = (_ panels: Range<Int>, _ layout: Layout, _ out: UnsafeMutablePointer<Float>) -> Void

  static func run(
    m: Int, n: Int, k: Int, a: MatrixOperand, b: MatrixOperand,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool
  ) {
    run(m: m, n: n, k: k, a: a, packB: { panels, layout, out in
      packColumnPanels(b, panels: panels, layout: layout, into: out)
    }, c: c, ldc: ldc, accumulate: accumulate, parallel: parallel)
  }

  /// The product with `op(B)` supplied by a packer instead of a stored matrix: kernels whose
  /// `B` is computed (im2col) write its panels directly, without materialising it first.
  static func run(
    m: Int, n: Int, k: Int, a: MatrixOperand, packB: ColumnPanelPacker,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, parallel: Bool
  ) {
    let layout = Layout(m: m, n: n, k: k)
    let partition = Partition(layout)
    let useThreads = parallel && m * n * k >= parallelThreshold
    withoutActuallyEscaping(packB) { packB in
      ScratchBuffers.with(capacity: layout.packedACount) { packedA in
        ScratchBuffers.with(capacity: layout.packedBCount) { packedB in
          let shared = UncheckedSendable((a, packB, c, packedA, packedB))
          // One pass over the tiles, each packing (once, whoever gets there first) the A row
          // chunk and B column chunk it needs: a single dispatch to the pool, whose wake-up
          // costs ~50 us on this VM, and packing spread over the threads.
          let packedRows = PackOnce(count: partition.rowChunks.count)
          let packedColumns = PackOnce(count: partition.columnChunks.count)
          let columnChunkCount = partition.columnChunks.count
          let compute = { (task: Int) in
            let (a, packB, c, packedA, packedB) = shared.value
            let row = task / columnChunkCount
            let column = task % columnChunkCount
            let packRows = { (chunk: Int) in
              packRowPanels(a, panels: partition.rowChunks[chunk], layout: layout, into: packedA)
            }
            let packColumns = { (chunk: Int) in packB(partition.columnChunks[chunk], layout, packedB) }
            // A thread waiting for a chunk another is packing packs a chunk a later task needs.
            let meanwhile = { packedColumns.runAnyWaiting(packColumns) || packedRows.runAnyWaiting(packRows) }
            packedRows.ensure(row, packRows, meanwhile: meanwhile)
            packedColumns.ensure(column, packColumns, meanwhile: meanwhile)
            tile(
              rowPanels: partition.rowChunks[row], columnPanels: partition.columnChunks[column],
              layout: layout, packedA: packedA, packedB: packedB, c: c, ldc: ldc, accumulate: accumulate)
          }
          if useThreads {
            ClaimedTasks.forEach(partition.taskCount, compute)
          } else {
            for task in 0..<partition.taskCount { compute(task) }
          }
        }
      }
    }
  }

  /// Computes the tile of `C` covered by `rowPanels` x `columnPanels`, depth block after depth
  /// block.
  static func tile(
    rowPanels: Range<Int>, columnPanels: Range<Int>, layout: Layout,
    packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    if layout.m <= fewRowsMaximum {
      tileFewRows(columnPanels: columnPanels, layout: layout, packedA: packedA, packedB: packedB, c: c, ldc: ldc,
        accumulate: accumulate)
      return
    }
    for block in 0..<layout.depthBlocks {
      let depth = layout.depth(ofBlock: block)
      let startFromC = accumulate || block > 0
      for jp in columnPanels {
        let panelB = packedB + layout.offsetB(block: block, panel: jp)
        let j = jp * microColumns
        let width = min(microColumns, layout.n - j)
        for ip in rowPanels {
          let panelA = packedA + layout.offsetA(block: block, panel: ip)
          let i = layout.rowStart(ofPanel: ip)
          let height = layout.rowHeight(ofPanel: ip)
          if height == microRows && width == microColumns {
            microKernel(depth: depth, a: panelA, b: panelB, c: c + i * ldc + j, ldc: ldc, startFromC: startFromC)
          } else if height == shortPanelRows && width == microColumns {
            fourRowKernel(depth: depth, a: panelA, b: panelB, c: c + i * ldc + j, ldc: ldc, startFromC: startFromC)
          } else {
            edgeKernel(
              depth: depth, a: panelA, b: panelB, c: c + i * ldc + j, ldc: ldc, height: height, width: width,
              startFromC: startFromC)
          }
        }
      }
    }
  }

  /// A partial tile at the bottom or right edge: the same kernel on a full-size scratch tile holding
  /// the valid part of `C` (zeros elsewhere), then the valid part copied back. The chain of each
  /// valid element is unchanged.
  @inline(never)
  static func edgeKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
    ldc: Int, height: Int, width: Int, startFromC: Bool
  ) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: microRows * microColumns) { scratch in
      let tile = scratch.address
      tile.initialize(repeating: 0, count: microRows * microColumns)
      if startFromC {
        for r in 0..<height {
          for q in 0..<width { tile[r * microColumns + q] = c[r * ldc + q] }
        }
      }
      microKernel(depth: depth, a: a, b: b, c: tile, ldc: microColumns, startFromC: startFromC)
      for r in 0..<height {
        for q in 0..<width { c[r * ldc + q] = tile[r * microColumns + q] }
      }
    }
  }

  #if AVX512
  /// The 8 x 16 register tile of the `avx512` flavour: `C = (startFromC ? C : 0) + A_panel B_panel`,
  /// one fused multiply-add per element and step, steps in increasing order (the chain of the
  /// 6 x 16 tile below, element for element).
  ///
  /// `a`: `[depth][8]`, `b`: `[depth][16]`, `c`: 8 rows of 16 at stride `ldc`.
  @inline(never)
  static func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, startFromC: Bool
  ) {
    typealias W = SIMD16<Float>
    let stride = ldc * 4
    let row0 = UnsafeMutableRawPointer(c)
    var c0 = W(), c1 = W(), c2 = W(), c3 = W(), c4 = W(), c5 = W(), c6 = W(), c7 = W()
    if startFromC {
      c0 = row0.loadUnaligned(as: W.self)
      c1 = row0.loadUnaligned(fromByteOffset: stride, as: W.self)
      c2 = row0.loadUnaligned(fromByteOffset: 2 * stride, as: W.self)
      c3 = row0.loadUnaligned(fromByteOffset: 3 * stride, as: W.self)
      c4 = row0.loadUnaligned(fromByteOffset: 4 * stride, as: W.self)
      c5 = row0.loadUnaligned(fromByteOffset: 5 * stride, as: W.self)
      c6 = row0.loadUnaligned(fromByteOffset: 6 * stride, as: W.self)
      c7 = row0.loadUnaligned(fromByteOffset: 7 * stride, as: W.self)
    }
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: W.self)
      c0.addProduct(W(repeating: pa[0]), b0)
      c1.addProduct(W(repeating: pa[1]), b0)
      c2.addProduct(W(repeating: pa[2]), b0)
      c3.addProduct(W(repeating: pa[3]), b0)
      c4.addProduct(W(repeating: pa[4]), b0)
      c5.addProduct(W(repeating: pa[5]), b0)
      c6.addProduct(W(repeating: pa[6]), b0)
      c7.addProduct(W(repeating: pa[7]), b0)
      pa += 8
      pb += 64
    }
    row0.storeBytes(of: c0, as: W.self)
    row0.storeBytes(of: c1, toByteOffset: stride, as: W.self)
    row0.storeBytes(of: c2, toByteOffset: 2 * stride, as: W.self)
    row0.storeBytes(of: c3, toByteOffset: 3 * stride, as: W.self)
    row0.storeBytes(of: c4, toByteOffset: 4 * stride, as: W.self)
    row0.storeBytes(of: c5, toByteOffset: 5 * stride, as: W.self)
    row0.storeBytes(of: c6, toByteOffset: 6 * stride, as: W.self)
    row0.storeBytes(of: c7, toByteOffset: 7 * stride, as: W.self)
  }
  #else
  /// The 6 x 16 register tile: `C = (startFromC ? C : 0) + A_panel B_panel`, one fused
  /// multiply-add per element and step, steps in increasing order.
  ///
  /// `a`: `[depth][6]`, `b`: `[depth][16]`, `c`: 6 rows of 16 at stride `ldc`.
  @inline(never)
  static func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, startFromC: Bool
  ) {
    typealias V = SIMD8<Float>
    let row0 = UnsafeMutableRawPointer(c)
    let row1 = row0 + ldc * 4
    let row2 = row1 + ldc * 4
    let row3 = row2 + ldc * 4
    let row4 = row3 + ldc * 4
    let row5 = row4 + ldc * 4
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    if startFromC {
      c00 = row0.loadUnaligned(as: V.self); c01 = row0.loadUnaligned(fromByteOffset: 32, as: V.self)
      c10 = row1.loadUnaligned(as: V.self); c11 = row1.loadUnaligned(fromByteOffset: 32, as: V.self)
      c20 = row2.loadUnaligned(as: V.self); c21 = row2.loadUnaligned(fromByteOffset: 32, as: V.self)
      c30 = row3.loadUnaligned(as: V.self); c31 = row3.loadUnaligned(fromByteOffset: 32, as: V.self)
      c40 = row4.loadUnaligned(as: V.self); c41 = row4.loadUnaligned(fromByteOffset: 32, as: V.self)
      c50 = row5.loadUnaligned(as: V.self); c51 = row5.loadUnaligned(fromByteOffset: 32, as: V.self)
    }
    let panelB = UnsafeRawPointer(b)
    (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = sixRowSteps(
      (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51), depth: depth, a: a) { panelB + $0 * 64 }
    row0.storeBytes(of: c00, as: V.self); row0.storeBytes(of: c01, toByteOffset: 32, as: V.self)
    row1.storeBytes(of: c10, as: V.self); row1.storeBytes(of: c11, toByteOffset: 32, as: V.self)
    row2.storeBytes(of: c20, as: V.self); row2.storeBytes(of: c21, toByteOffset: 32, as: V.self)
    row3.storeBytes(of: c30, as: V.self); row3.storeBytes(of: c31, toByteOffset: 32, as: V.self)
    row4.storeBytes(of: c40, as: V.self); row4.storeBytes(of: c41, toByteOffset: 32, as: V.self)
    row5.storeBytes(of: c50, as: V.self); row5.storeBytes(of: c51, toByteOffset: 32, as: V.self)
  }
  #endif

  /// The inner loop of the 6 x 16 tile: for `p` in `0..<depth`, row `r`'s two vectors (at `.2r`,
  /// `.2r + 1`) add `a[p * microRows + r]` times the 8 floats at `b(p)` and the 8 at `b(p) +
  /// secondHalfBytes`, one fused multiply-add each. Shared by the packed product (`b(p)` inside a B micro-panel) and the row-panel
  /// convolution (`b(p)` inside the image window).
  @inline(__always)
  static func sixRowSteps(
    _ tile: (V, V, V, V, V, V, V, V, V, V, V, V), depth: Int, a: UnsafePointer<Float>, secondHalfBytes: Int = 32,
    b: (Int) -> UnsafeRawPointer
  ) -> (V, V, V, V, V, V, V, V, V, V, V, V) {
    var (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = tile
    var pa = a
    for p in 0..<depth {
      let pb = b(p)
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: secondHalfBytes, as: V.self)
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
      pa += microRows
    }
    return (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
  }

  /// `sixRowSteps` for the first 4 rows of the panel (8 chains).
  @inline(__always)
  static func fourRowSteps(
    _ tile: (V, V, V, V, V, V, V, V), depth: Int, a: UnsafePointer<Float>, secondHalfBytes: Int = 32,
    b: (Int) -> UnsafeRawPointer
  ) -> (V, V, V, V, V, V, V, V) {
    var (c00, c01, c10, c11, c20, c21, c30, c31) = tile
    var pa = a
    for p in 0..<depth {
      let pb = b(p)
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: secondHalfBytes, as: V.self)
      var s = V(repeating: pa[0])
      c00.addProduct(s, b0); c01.addProduct(s, b1)
      s = V(repeating: pa[1])
      c10.addProduct(s, b0); c11.addProduct(s, b1)
      s = V(repeating: pa[2])
      c20.addProduct(s, b0); c21.addProduct(s, b1)
      s = V(repeating: pa[3])
      c30.addProduct(s, b0); c31.addProduct(s, b1)
      pa += microRows
    }
    return (c00, c01, c10, c11, c20, c21, c30, c31)
  }

  /// The 4 x 16 register tile of the short row panels (`Layout.rowStart`): eight chains, as many
  /// as two FMA pipes of latency 4 keep busy. `a` is a `[depth][microRows]` panel of which the
  /// first 4 rows are read; every element is the chain of `microKernel`.
  @inline(never)
  static func fourRowKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, startFromC: Bool
  ) {
    typealias V = SIMD8<Float>
    let row0 = UnsafeMutableRawPointer(c)
    let row1 = row0 + ldc * 4
    let row2 = row1 + ldc * 4
    let row3 = row2 + ldc * 4
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
    if startFromC {
      c00 = row0.loadUnaligned(as: V.self); c01 = row0.loadUnaligned(fromByteOffset: 32, as: V.self)
      c10 = row1.loadUnaligned(as: V.self); c11 = row1.loadUnaligned(fromByteOffset: 32, as: V.self)
      c20 = row2.loadUnaligned(as: V.self); c21 = row2.loadUnaligned(fromByteOffset: 32, as: V.self)
      c30 = row3.loadUnaligned(as: V.self); c31 = row3.loadUnaligned(fromByteOffset: 32, as: V.self)
    }
    let panelB = UnsafeRawPointer(b)
    (c00, c01, c10, c11, c20, c21, c30, c31) = fourRowSteps(
      (c00, c01, c10, c11, c20, c21, c30, c31), depth: depth, a: a) { panelB + $0 * 64 }
    row0.storeBytes(of: c00, as: V.self); row0.storeBytes(of: c01, toByteOffset: 32, as: V.self)
    row1.storeBytes(of: c10, as: V.self); row1.storeBytes(of: c11, toByteOffset: 32, as: V.self)
    row2.storeBytes(of: c20, as: V.self); row2.storeBytes(of: c21, toByteOffset: 32, as: V.self)
    row3.storeBytes(of: c30, as: V.self); row3.storeBytes(of: c31, toByteOffset: 32, as: V.self)
  }

  /// Products of at most this many rows (a convolution's weight gradient with 1 to 3 output
  /// channels) use the few-rows kernels instead of the 6- or 8-row tile, which would waste half of its
  /// multiply-adds or more on padding rows.
  static let fewRowsMaximum = 3

  /// `tile` for `m <= fewRowsMaximum`: one row panel, swept by the 1 x 64 kernel (m = 1) or the
  /// 3 x 32 kernel (m = 2, 3) over groups of whole column panels; leftover and partial panels
  /// take `edgeKernel`. Every element is still the chain of `microKernel`.
  static func tileFewRows(
    columnPanels: Range<Int>, layout: Layout,
    packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    let panelsPerGroup = layout.m == 1 ? 4 : 2
    // Whole panels only: a partial last panel (n not a multiple of 16) goes to the edge kernel.
    let wholeEnd = min(columnPanels.upperBound, layout.n / microColumns)
    for block in 0..<layout.depthBlocks {
      let depth = layout.depth(ofBlock: block)
      let startFromC = accumulate || block > 0
      let panelA = packedA + layout.offsetA(block: block, panel: 0)
      var jp = columnPanels.lowerBound
      while jp + panelsPerGroup <= wholeEnd {
        let panelB = packedB + layout.offsetB(block: block, panel: jp)
        let target = c + jp * microColumns
        if layout.m == 1 {
          oneRowKernel(depth: depth, a: panelA, b: panelB, c: target, startFromC: startFromC)
        } else {
          threeRowKernel(depth: depth, rows: layout.m, a: panelA, b: panelB, c: target, ldc: ldc, startFromC: startFromC)
        }
        jp += panelsPerGroup
      }
      while jp < columnPanels.upperBound {
        let panelB = packedB + layout.offsetB(block: block, panel: jp)
        let j = jp * microColumns
        edgeKernel(
          depth: depth, a: panelA, b: panelB, c: c + j, ldc: ldc, height: layout.m,
          width: min(microColumns, layout.n - j), startFromC: startFromC)
        jp += 1
      }
    }
  }

  /// One row of `C` by four consecutive B micro-panels (64 columns): eight independent chains,
  /// enough to keep both FMA pipes busy. `b` is the first panel; panels are `depth * 16` apart.
  @inline(never)
  static func oneRowKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, startFromC: Bool
  ) {
    typealias V = SIMD8<Float>
    let out = UnsafeMutableRawPointer(c)
    let stride = depth * microColumns * 4
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
    if startFromC {
      c0 = out.loadUnaligned(as: V.self); c1 = out.loadUnaligned(fromByteOffset: 32, as: V.self)
      c2 = out.loadUnaligned(fromByteOffset: 64, as: V.self); c3 = out.loadUnaligned(fromByteOffset: 96, as: V.self)
      c4 = out.loadUnaligned(fromByteOffset: 128, as: V.self); c5 = out.loadUnaligned(fromByteOffset: 160, as: V.self)
      c6 = out.loadUnaligned(fromByteOffset: 192, as: V.self); c7 = out.loadUnaligned(fromByteOffset: 224, as: V.self)
    }
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let s = V(repeating: pa[0])
      c0.addProduct(s, pb.loadUnaligned(as: V.self))
      c1.addProduct(s, pb.loadUnaligned(fromByteOffset: 32, as: V.self))
      c2.addProduct(s, pb.loadUnaligned(fromByteOffset: stride, as: V.self))
      c3.addProduct(s, pb.loadUnaligned(fromByteOffset: stride + 32, as: V.self))
      c4.addProduct(s, pb.loadUnaligned(fromByteOffset: 2 * stride, as: V.self))
      c5.addProduct(s, pb.loadUnaligned(fromByteOffset: 2 * stride + 32, as: V.self))
      c6.addProduct(s, pb.loadUnaligned(fromByteOffset: 3 * stride, as: V.self))
      c7.addProduct(s, pb.loadUnaligned(fromByteOffset: 3 * stride + 32, as: V.self))
      pa += microRows
      pb += 64
    }
    out.storeBytes(of: c0, as: V.self); out.storeBytes(of: c1, toByteOffset: 32, as: V.self)
    out.storeBytes(of: c2, toByteOffset: 64, as: V.self); out.storeBytes(of: c3, toByteOffset: 96, as: V.self)
    out.storeBytes(of: c4, toByteOffset: 128, as: V.self); out.storeBytes(of: c5, toByteOffset: 160, as: V.self)
    out.storeBytes(of: c6, toByteOffset: 192, as: V.self); out.storeBytes(of: c7, toByteOffset: 224, as: V.self)
  }

  /// Two or three rows of `C` by two consecutive B micro-panels (32 columns): twelve chains. With
  /// two rows the third is computed from the packed zero row and not stored.
  @inline(never)
  static func threeRowKernel(
    depth: Int, rows: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
    ldc: Int, startFromC: Bool
  ) {
    typealias V = SIMD8<Float>
    let row0 = UnsafeMutableRawPointer(c)
    let row1 = row0 + ldc * 4
    let row2 = row1 + ldc * 4
    let stride = depth * microColumns * 4
    var c00 = V(), c01 = V(), c02 = V(), c03 = V()
    var c10 = V(), c11 = V(), c12 = V(), c13 = V()
    var c20 = V(), c21 = V(), c22 = V(), c23 = V()
    if startFromC {
      c00 = row0.loadUnaligned(as: V.self); c01 = row0.loadUnaligned(fromByteOffset: 32, as: V.self)
      c02 = row0.loadUnaligned(fromByteOffset: 64, as: V.self); c03 = row0.loadUnaligned(fromByteOffset: 96, as: V.self)
      c10 = row1.loadUnaligned(as: V.self); c11 = row1.loadUnaligned(fromByteOffset: 32, as: V.self)
      c12 = row1.loadUnaligned(fromByteOffset: 64, as: V.self); c13 = row1.loadUnaligned(fromByteOffset: 96, as: V.self)
      if rows == 3 {
        c20 = row2.loadUnaligned(as: V.self); c21 = row2.loadUnaligned(fromByteOffset: 32, as: V.self)
        c22 = row2.loadUnaligned(fromByteOffset: 64, as: V.self); c23 = row2.loadUnaligned(fromByteOffset: 96, as: V.self)
      }
    }
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: V.self)
      let b2 = pb.loadUnaligned(fromByteOffset: stride, as: V.self)
      let b3 = pb.loadUnaligned(fromByteOffset: stride + 32, as: V.self)
      var s = V(repeating: pa[0])
      c00.addProduct(s, b0); c01.addProduct(s, b1); c02.addProduct(s, b2); c03.addProduct(s, b3)
      s = V(repeating: pa[1])
      c10.addProduct(s, b0); c11.addProduct(s, b1); c12.addProduct(s, b2); c13.addProduct(s, b3)
      s = V(repeating: pa[2])
      c20.addProduct(s, b0); c21.addProduct(s, b1); c22.addProduct(s, b2); c23.addProduct(s, b3)
      pa += microRows
      pb += 64
    }
    row0.storeBytes(of: c00, as: V.self); row0.storeBytes(of: c01, toByteOffset: 32, as: V.self)
    row0.storeBytes(of: c02, toByteOffset: 64, as: V.self); row0.storeBytes(of: c03, toByteOffset: 96, as: V.self)
    row1.storeBytes(of: c10, as: V.self); row1.storeBytes(of: c11, toByteOffset: 32, as: V.self)
    row1.storeBytes(of: c12, toByteOffset: 64, as: V.self); row1.storeBytes(of: c13, toByteOffset: 96, as: V.self)
    if rows == 3 {
      row2.storeBytes(of: c20, as: V.self); row2.storeBytes(of: c21, toByteOffset: 32, as: V.self)
      row2.storeBytes(of: c22, toByteOffset: 64, as: V.self); row2.storeBytes(of: c23, toByteOffset: 96, as: V.self)
    }
  }
}

/// The kernel flavour this binary was built with (see Package.swift): `avx512` (8 x 16 register
/// tile on 512-bit vectors) or `avx2` (6 x 16 on 256-bit vectors, x86-64-v3). Results are
/// bit-identical between flavours; only speed differs.
public enum KernelFlavour {
  #if AVX512
    public static let name = "avx512"
  #else
    public static let name = "avx2"
  #endif
}
