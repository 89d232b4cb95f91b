import TensorCore

/// The plane rotations of a QL iteration, recorded sweep by sweep so that they can be applied to
/// the eigenvector matrix afterwards, all at once and cache-blocked.
///
/// A sweep is a run of rotations `i = first, first - 1, ..., last`; rotation `i` with `(c, s)`
/// acts on rows `i` and `i + 1` of `E` (the columns of `Z` in EISPACK's `tql2`):
/// `E[i+1] <- s E[i] + c E[i+1]`, `E[i] <- c E[i] - s E[i+1]`.
/// Replaying them on column strips of 24, each copied into a contiguous `n x 24` block (n x 192
/// bytes, resident in L2 for all sweeps; a strided strip would alias in the cache sets), replaces
/// one pass of the whole matrix through memory per sweep by one pass of the recorded `(c, s)`
/// stream per strip; the running row of a sweep stays in six SIMD4 registers. Strips are
/// independent tasks and every element sees the same operations: bit-identical for any thread
/// count. On 2048 x 2048 this is ~4x faster than rotating the matrix in place.
struct PlaneRotationSequence {
  /// Per sweep: highest rotation index, lowest rotation index, offset of its first `(c, s)`.
  var sweeps: [(first: Int32, last: Int32, offset: Int)] = []
  /// Interleaved `(c, s)` pairs, sweep after sweep.
  var cosineSine: [Double] = []

  /// Starts a sweep whose first rotation has index `first`.
  mutating func beginSweep(first: Int) {
    sweeps.append((Int32(first), Int32(first + 1), cosineSine.count))
  }

  /// Appends rotation `i` (the next lower index) to the current sweep.
  @inline(__always)
  mutating func append(index i: Int, cosine c: Double, sine s: Double) {
    cosineSine.append(c)
    cosineSine.append(s)
    sweeps[sweeps.count - 1].last = Int32(i)
  }

  static let stripWidth = 24

  /// Applies every rotation, in order, to the rows of `e: [rows, columns]` (row-major).
  func apply(to e: inout DoubleMatrix) {
    let (rows, columns) = (e.rows, e.columns)
    let strips = (columns + Self.stripWidth - 1) / Self.stripWidth
    let sweeps = self.sweeps.filter { $0.last <= $0.first }
    e.scalars.withUnsafeMutableBufferPointer { pe in
      cosineSine.withUnsafeBufferPointer { pcs in
        sweeps.withUnsafeBufferPointer { psw in
          let shared = UncheckedSendable((pe.address, pcs.address, psw))
          ComputeThreads.forEachTask(strips) { strip in
            let (base, cs, sweeps) = shared.value
            let j0 = strip * Self.stripWidth
            let width = min(Self.stripWidth, columns - j0)
            let block = UnsafeMutablePointer<Double>.allocate(capacity: rows * width)
            defer { block.deallocate() }
            for r in 0..<rows {
              for q in 0..<width { block[r * width + q] = base[r * columns + j0 + q] }
            }
            for sweep in sweeps {
              if width == Self.stripWidth {
                Self.fullStrip(block, sweep: sweep, cs: cs)
              } else {
                Self.partialStrip(block, width: width, sweep: sweep, cs: cs)
              }
            }
            for r in 0..<rows {
              for q in 0..<width { base[r * columns + j0 + q] = block[r * width + q] }
            }
          }
        }
      }
    }
  }

  /// One sweep on a contiguous `rows x 24` strip, the running row held in six SIMD4 registers.
  @inline(__always)
  static func fullStrip(
    _ strip: UnsafeMutablePointer<Double>, sweep: (first: Int32, last: Int32, offset: Int),
    cs: UnsafePointer<Double>
  ) {
    typealias V = SIMD4<Double>
    let stride = stripWidth
    let first = Int(sweep.first)
    let last = Int(sweep.last)
    var rowAbove = UnsafeMutableRawPointer(strip + (first + 1) * stride)
    var r0 = rowAbove.loadUnaligned(fromByteOffset: 0, as: V.self)
    var r1 = rowAbove.loadUnaligned(fromByteOffset: 32, as: V.self)
    var r2 = rowAbove.loadUnaligned(fromByteOffset: 64, as: V.self)
    var r3 = rowAbove.loadUnaligned(fromByteOffset: 96, as: V.self)
    var r4 = rowAbove.loadUnaligned(fromByteOffset: 128, as: V.self)
    var r5 = rowAbove.loadUnaligned(fromByteOffset: 160, as: V.self)
    var pair = cs + sweep.offset
    var i = first
    while i >= last {
      let row = UnsafeMutableRawPointer(strip + i * stride)
      let c = V(repeating: pair[0])
      let s = V(repeating: pair[1])
      let negativeS = -s
      @inline(__always) func step(_ carry: inout V, _ byteOffset: Int) {
        let x = row.loadUnaligned(fromByteOffset: byteOffset, as: V.self)
        rowAbove.storeBytes(
          of: (c * carry).addingProduct(s, x), toByteOffset: byteOffset, as: V.self)
        carry = (c * x).addingProduct(negativeS, carry)
      }
      step(&r0, 0)
      step(&r1, 32)
      step(&r2, 64)
      step(&r3, 96)
      step(&r4, 128)
      step(&r5, 160)
      rowAbove = row
      pair += 2
      i -= 1
    }
    rowAbove.storeBytes(of: r0, toByteOffset: 0, as: V.self)
    rowAbove.storeBytes(of: r1, toByteOffset: 32, as: V.self)
    rowAbove.storeBytes(of: r2, toByteOffset: 64, as: V.self)
    rowAbove.storeBytes(of: r3, toByteOffset: 96, as: V.self)
    rowAbove.storeBytes(of: r4, toByteOffset: 128, as: V.self)
    rowAbove.storeBytes(of: r5, toByteOffset: 160, as: V.self)
  }

  /// One sweep on the last, narrower strip (`rows x width`, contiguous), element by element with
  /// the same arithmetic.
  static func partialStrip(
    _ strip: UnsafeMutablePointer<Double>, width: Int,
    sweep: (first: Int32, last: Int32, offset: Int),
    cs: UnsafePointer<Double>
  ) {
    let first = Int(sweep.first)
    let last = Int(sweep.last)
    for q in 0..<width {
      var carry = strip[(first + 1) * width + q]
      var pair = cs + sweep.offset
      var i = first
      while i >= last {
        let (c, s) = (pair[0], pair[1])
        let x = strip[i * width + q]
        strip[(i + 1) * width + q] = (c * carry).addingProduct(s, x)
        carry = (c * x).addingProduct(-s, carry)
        pair += 2
        i -= 1
      }
      strip[last * width + q] = carry
    }
  }
}
