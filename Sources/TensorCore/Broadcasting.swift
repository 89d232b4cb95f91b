/// NumPy-style broadcasting of shapes: trailing dimensions aligned, extents equal or 1.
public enum Broadcasting {
  /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
  public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        out[i] = da
      } else if da == 1 {
        out[i] = db
      } else {
        return nil
      }
    }
    return out
  }

  /// Strides of `shape` read inside `outShape`, with 0 for broadcast dimensions.
  static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
    let rank = outShape.count
    var strides = [Int](repeating: 0, count: rank)
    var running = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      let o = i + (rank - shape.count)
      strides[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : running
      running *= shape[i]
    }
    return strides
  }

  /// The iteration space of a broadcast `shape` with operand strides `sa`, `sb` (from
  /// `strides(of:in:)`), simplified: extent-1 dimensions dropped and each dimension merged into
  /// the next inner one wherever both operands step through the pair as through one dimension
  /// (contiguously, or not at all). Every output element still meets the same pair of input
  /// elements, in the same flat order, so no bit changes; only the rows get longer.
  static func coalesced(_ shape: [Int], _ sa: [Int], _ sb: [Int]) -> (shape: [Int], sa: [Int], sb: [Int]) {
    var merged: [(extent: Int, a: Int, b: Int)] = []
    for d in 0..<shape.count where shape[d] != 1 {
      let current = (extent: shape[d], a: sa[d], b: sb[d])
      if let outer = merged.last, outer.a == current.a * current.extent, outer.b == current.b * current.extent {
        merged[merged.count - 1] = (outer.extent * current.extent, current.a, current.b)
      } else {
        merged.append(current)
      }
    }
    if merged.isEmpty { return (shape, sa, sb) }
    return (merged.map(\.extent), merged.map(\.a), merged.map(\.b))
  }
}

/// An elementwise binary operation on Float32.
public protocol BinaryScalarOperation {
  /// The operation on one pair of elements.
  static func apply(_ x: Float, _ y: Float) -> Float
  /// The operation on eight pairs at once; must give, lane by lane, the bits of `apply`.
  static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float>
}

extension BinaryScalarOperation {
  /// Lane by lane through the scalar `apply`.
  @inline(__always)
  public static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> {
    var result = SIMD8<Float>()
    for lane in 0..<8 { result[lane] = apply(x[lane], y[lane]) }
    return result
  }
}

// The four arithmetic operations are correctly rounded in IEEE 754, so the eight-lane forms give
// exactly the scalar bits.

/// `x + y`.
public enum AddOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x + y }
  @inline(__always) public static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { x + y }
}
/// `x - y`.
public enum SubtractOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x - y }
  @inline(__always) public static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { x - y }
}
/// `x * y`.
public enum MultiplyOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x * y }
  @inline(__always) public static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { x * y }
}
/// `x / y`.
public enum DivideOperation: BinaryScalarOperation {
  @inline(__always) public static func apply(_ x: Float, _ y: Float) -> Float { x / y }
  @inline(__always) public static func apply(_ x: SIMD8<Float>, _ y: SIMD8<Float>) -> SIMD8<Float> { x / y }
}

/// Eight-lane loops over a row, used by the broadcasting kernels. Each element gets the same
/// operation as in the scalar loop, so results are bit-identical to it.
enum RowKernels {
  typealias V = SIMD8<Float>

  /// `out[q] = op(x[q * strideX], y[q * strideY])` for `q < count`, strides 0 or 1.
  @inline(__always)
  static func apply<Operation: BinaryScalarOperation>(
    _ operation: Operation.Type, _ x: UnsafePointer<Float>, strideX: Int, _ y: UnsafePointer<Float>, strideY: Int,
    into out: UnsafeMutablePointer<Float>, count: Int
  ) {
    var q = 0
    switch (strideX, strideY) {
    case (1, 1):
      while q + 8 <= count {
        let v = Operation.apply(load(x + q), load(y + q))
        UnsafeMutableRawPointer(out + q).storeBytes(of: v, as: V.self)
        q += 8
      }
    case (1, _):
      let broadcastY = V(repeating: y.pointee)
      while q + 8 <= count {
        UnsafeMutableRawPointer(out + q).storeBytes(of: Operation.apply(load(x + q), broadcastY), as: V.self)
        q += 8
      }
    case (_, 1):
      let broadcastX = V(repeating: x.pointee)
      while q + 8 <= count {
        UnsafeMutableRawPointer(out + q).storeBytes(of: Operation.apply(broadcastX, load(y + q)), as: V.self)
        q += 8
      }
    default:
      break
    }
    while q < count {
      out[q] = Operation.apply(x[q * strideX], y[q * strideY])
      q += 1
    }
  }

  /// `sum[q] += row[q]` for `q < count`.
  @inline(__always)
  static func accumulate(_ row: UnsafePointer<Float>, into sum: UnsafeMutablePointer<Float>, count: Int) {
    var q = 0
    while q + 8 <= count {
      UnsafeMutableRawPointer(sum + q).storeBytes(of: load(sum + q) + load(row + q), as: V.self)
      q += 8
    }
    // Four lanes before the scalar tail: col2im's rows are 7 to 32 long (14 = 8 + 4 + 2).
    if q + 4 <= count {
      let sumLanes = UnsafeRawPointer(sum + q).loadUnaligned(as: SIMD4<Float>.self)
      let rowLanes = UnsafeRawPointer(row + q).loadUnaligned(as: SIMD4<Float>.self)
      UnsafeMutableRawPointer(sum + q).storeBytes(of: sumLanes + rowLanes, as: SIMD4<Float>.self)
      q += 4
    }
    while q < count {
      sum[q] += row[q]
      q += 1
    }
  }

  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
  }

  @inline(__always)
  static func load(_ pointer: UnsafeMutablePointer<Float>) -> V {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
  }
}

extension Tensor {
  /// Applies `Operation` elementwise to `a` and `b` under broadcasting.
  public static func broadcastBinary<Operation: BinaryScalarOperation>(
    _ a: Tensor, _ b: Tensor, _ operation: Operation.Type
  ) -> Tensor {
    if a.shape == b.shape {
      return Tensor(shape: a.shape) { out in
        a.scalars.withUnsafeBufferPointer { pa in
          b.scalars.withUnsafeBufferPointer { pb in
            guard let x = pa.baseAddress, let y = pb.baseAddress, let target = out.baseAddress else { return }
            let shared = UncheckedSendable((x, y, target))
            // Elementwise: the blocks (multiples of 8) change no bit.
            ComputeThreads.forEachBlock(count: out.count, blockSize: broadcastBlock) { range in
              let (x, y, target) = shared.value
              RowKernels.apply(
                Operation.self, x + range.lowerBound, strideX: 1, y + range.lowerBound, strideY: 1,
                into: target + range.lowerBound, count: range.count)
            }
          }
        }
      }
    }
    guard let outShape = Broadcasting.shape(a.shape, b.shape) else {
      preconditionFailure("broadcast: shapes \(a.shape) and \(b.shape) are incompatible")
    }
    // Iterate over the coalesced shape: a per-channel operand [1, C, 1, 1] against [B, C, H, W]
    // gives rows of H*W elements instead of W.
    let (iteration, sa, sb) = Broadcasting.coalesced(
      outShape, Broadcasting.strides(of: a.shape, in: outShape), Broadcasting.strides(of: b.shape, in: outShape))
    let rank = iteration.count
    let inner = rank == 0 ? 1 : iteration[rank - 1]
    let innerA = rank == 0 ? 0 : sa[rank - 1]
    let innerB = rank == 0 ? 0 : sb[rank - 1]
    let outer = inner == 0 ? 0 : Tensor.elementCount(iteration) / inner
    return Tensor(shape: outShape) { out in
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          guard outer > 0 else { return }
          let shared = UncheckedSendable((pa.address, pb.address, out.address))
          // Rows split over the pool (elementwise, so no bit depends on the split); each task
          // starts its odometer at its first row.
          let rowsPerTask = max(1, broadcastBlock / max(inner, 1))
          ComputeThreads.forEachBlock(count: outer, blockSize: rowsPerTask) { rows in
            let (pa, pb, out) = shared.value
            var index = [Int](repeating: 0, count: max(rank - 1, 0))
            var offsetA = 0
            var offsetB = 0
            var remainder = rows.lowerBound
            var d = rank - 2
            while d >= 0 {
              index[d] = remainder % iteration[d]
              remainder /= iteration[d]
              offsetA += index[d] * sa[d]
              offsetB += index[d] * sb[d]
              d -= 1
            }
            for row in rows {
              let target = out + row * inner
              if innerA == 1 || innerB == 1 {
                RowKernels.apply(
                  Operation.self, pa + offsetA, strideX: innerA, pb + offsetB, strideY: innerB,
                  into: target, count: inner)
              } else {
                let value = Operation.apply(pa[offsetA], pb[offsetB])
                for q in 0..<inner { target[q] = value }
              }
              // Advance the outer multi-index (odometer order).
              var d = rank - 2
              while d >= 0 {
                index[d] += 1
                offsetA += sa[d]
                offsetB += sb[d]
                if index[d] < iteration[d] { break }
                offsetA -= sa[d] * iteration[d]
                offsetB -= sb[d] * iteration[d]
                index[d] = 0
                d -= 1
              }
            }
          }
        }
      }
    }
  }

  /// Elements per pool task of `broadcastBinary`.
  static let broadcastBlock = 1 << 15

  /// `a + b` under broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, AddOperation.self) }
  /// `a - b` under broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, SubtractOperation.self) }
  /// `a * b` under broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, MultiplyOperation.self) }
  /// `a / b` under broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor { broadcastBinary(a, b, DivideOperation.self) }

  /// Sums this tensor down to `target`, a shape it was broadcast from (the adjoint of
  /// broadcasting). Elements are added in increasing flat index order, so the result does not
  /// depend on threads.
  public func summed(toShape target: [Int]) -> Tensor {
    if target == shape { return self }
    precondition(Broadcasting.shape(target, shape) == shape,
      "summed(toShape:): \(target) does not broadcast to \(shape)")
    let rank = shape.count
    let strides = Broadcasting.strides(of: target, in: shape)
    if let reduced = summedOverTrailingAxes(toShape: target, strides: strides) { return reduced }
    let inner = rank == 0 ? 1 : shape[rank - 1]
    let innerStride = rank == 0 ? 0 : strides[rank - 1]
    let outer = inner == 0 ? 0 : count / inner
    var out = [Float](repeating: 0, count: Tensor.elementCount(target))
    scalars.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { result in
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offset = 0
        for row in 0..<outer {
          let src = source.address + row * inner
          if innerStride == 1 {
            RowKernels.accumulate(src, into: result.address + offset, count: inner)
          } else {
            var sum = result[offset]
            for q in 0..<inner { sum += src[q] }
            result[offset] = sum
          }
          Tensor.advance(&index, offset: &offset, shape: shape, strides: strides)
        }
      }
    }
    return Tensor(shape: target, scalars: out)
  }

  /// Steps the multi-index `index` over the first `index.count` axes of `shape` to the next
  /// position in row-major order, moving `offset` by `strides` (back to 0 after the last).
  @inline(__always)
  private static func advance(_ index: inout [Int], offset: inout Int, shape: [Int], strides: [Int]) {
    var d = index.count - 1
    while d >= 0 {
      index[d] += 1
      offset += strides[d]
      if index[d] < shape[d] { return }
      offset -= strides[d] * shape[d]
      index[d] = 0
      d -= 1
    }
  }

  /// `summed(toShape:)` when the summed axes include the trailing ones (a bias or GroupNorm
  /// gradient: `[B, C, H, W]` to `[1, C, 1, 1]` or `[B, C, 1, 1]`), with the same bits: every
  /// output is still the single chain over its inputs in increasing flat index.
  ///
  /// The elements form rows of `P` (the product of the trailing summed axes), each added in order
  /// onto one output. One chain at a time waits on the adder's latency at every element; here 8
  /// consecutive rows with 8 different outputs run as the 8 lanes of one vector chain, fed by
  /// 8x8 transposes (rows are still taken in increasing order for each output, and each row's
  /// elements in increasing order, so no chain changes). Returns nil when the trailing axis is
  /// kept or the rows are too short to gain.
  private func summedOverTrailingAxes(toShape target: [Int], strides: [Int]) -> Tensor? {
    let rank = shape.count
    var leading = rank
    var rowLength = 1
    while leading > 0 && strides[leading - 1] == 0 {
      leading -= 1
      rowLength *= shape[leading]
    }
    guard leading < rank, rowLength >= 8, count > 0 else { return nil }
    let rows = count / rowLength
    // Output offset of every row: the leading axes stepped in row-major order.
    var offsets = [Int](repeating: 0, count: rows)
    var index = [Int](repeating: 0, count: leading)
    var offset = 0
    for row in 0..<rows {
      offsets[row] = offset
      Tensor.advance(&index, offset: &offset, shape: shape, strides: strides)
    }
    var out = [Float](repeating: 0, count: Tensor.elementCount(target))
    scalars.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { result in
        let x = source.address
        let sums = result.address
        var row = 0
        while row < rows {
          var distinct = row + 8 <= rows
          if distinct {
            outer: for i in 0..<8 {
              for j in (i + 1)..<8 where offsets[row + i] == offsets[row + j] {
                distinct = false
                break outer
              }
            }
          }
          if distinct {
            // Lane i is row i's chain: 8x8 blocks transposed so that vector j holds element
            // p + j of every row, added in order of j.
            let base = x + row * rowLength
            typealias V = SIMD8<Float>
            var chains = V(
              sums[offsets[row]], sums[offsets[row + 1]], sums[offsets[row + 2]], sums[offsets[row + 3]],
              sums[offsets[row + 4]], sums[offsets[row + 5]], sums[offsets[row + 6]], sums[offsets[row + 7]])
            @inline(__always) func load(_ i: Int, _ p: Int) -> V {
              UnsafeRawPointer(base + i * rowLength + p).loadUnaligned(as: V.self)
            }
            var p = 0
            while p + 8 <= rowLength {
              let t = GemmKernel.transpose8x8(
                load(0, p), load(1, p), load(2, p), load(3, p), load(4, p), load(5, p), load(6, p), load(7, p))
              chains += t.0
              chains += t.1
              chains += t.2
              chains += t.3
              chains += t.4
              chains += t.5
              chains += t.6
              chains += t.7
              p += 8
            }
            while p < rowLength {
              chains += V(
                base[p], base[rowLength + p], base[2 * rowLength + p], base[3 * rowLength + p],
                base[4 * rowLength + p], base[5 * rowLength + p], base[6 * rowLength + p], base[7 * rowLength + p])
              p += 1
            }
            for i in 0..<8 { sums[offsets[row + i]] = chains[i] }
            row += 8
          } else {
            let base = x + row * rowLength
            var sum = sums[offsets[row]]
            for p in 0..<rowLength { sum += base[p] }
            sums[offsets[row]] = sum
            row += 1
          }
        }
      }
    }
    return Tensor(shape: target, scalars: out)
  }
}
