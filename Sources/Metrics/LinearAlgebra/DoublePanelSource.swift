/// Something the packed product can read its operands from: it copies a block of `op(A)` rows or
/// `op(B)` columns into the micro-panel layout of `DoubleGemmKernel`.
///
/// Besides plain matrices (`DoubleMatrixOperand`), `CenteredSamples` reads a sample matrix and
/// subtracts the column means while packing, so that a covariance never materialises the centred
/// copy of its data.
protocol DoublePanelSource {
  /// Packs rows `rows` x depth `depth` of `op(A)`: panel `ip`, step `p`, row `r` lands at
  /// `ip * microRows * depth.count + p * microRows + r`; rows past the end are zero.
  func packRows(_ rows: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>)
  /// Packs columns `columns` x depth `depth` of `op(B)`: panel `jp`, step `p`, column `q` lands at
  /// `jp * microColumns * depth.count + p * microColumns + q`; columns past the end are zero.
  func packColumns(_ columns: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>)
}

extension DoubleMatrixOperand: DoublePanelSource {
  @inline(__always)
  func packRows(_ rows: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>) {
    let mr = DoubleGemmKernel.microRows
    let d = depth.count
    let panels = (rows.count + mr - 1) / mr
    for ip in 0..<panels {
      let panel = out + ip * mr * d
      let i0 = rows.lowerBound + ip * mr
      let height = min(mr, rows.upperBound - i0)
      if isTransposed {
        // op(A)[i, p] = stored[p, i]: six neighbouring elements of one stored row per step.
        for p in 0..<d {
          let source = base + (depth.lowerBound + p) * leadingDimension + i0
          let target = panel + p * mr
          for r in 0..<mr { target[r] = r < height ? source[r] : 0 }
        }
      } else {
        for r in 0..<mr {
          if r < height {
            let source = base + (i0 + r) * leadingDimension + depth.lowerBound
            for p in 0..<d { panel[p * mr + r] = source[p] }
          } else {
            for p in 0..<d { panel[p * mr + r] = 0 }
          }
        }
      }
    }
  }

  @inline(__always)
  func packColumns(_ columns: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>)
  {
    let nr = DoubleGemmKernel.microColumns
    let d = depth.count
    let panels = (columns.count + nr - 1) / nr
    for jp in 0..<panels {
      let panel = out + jp * nr * d
      let j0 = columns.lowerBound + jp * nr
      let width = min(nr, columns.upperBound - j0)
      if isTransposed {
        // op(B)[p, j] = stored[j, p]: each column is a contiguous stored row.
        for q in 0..<nr {
          if q < width {
            let source = base + (j0 + q) * leadingDimension + depth.lowerBound
            for p in 0..<d { panel[p * nr + q] = source[p] }
          } else {
            for p in 0..<d { panel[p * nr + q] = 0 }
          }
        }
      } else {
        for p in 0..<d {
          let source = base + (depth.lowerBound + p) * leadingDimension + j0
          let target = panel + p * nr
          if width == nr {
            for q in 0..<nr { target[q] = source[q] }
          } else {
            for q in 0..<nr { target[q] = q < width ? source[q] : 0 }
          }
        }
      }
    }
  }
}

/// A scalar type a sample matrix may hold (float32 or float64 features).
protocol SampleScalar {
  /// The value widened to Double.
  var doubleValue: Double { get }
}

extension Float: SampleScalar {
  @inline(__always) var doubleValue: Double { Double(self) }
}

extension Double: SampleScalar {
  @inline(__always) var doubleValue: Double { self }
}

/// A sample matrix `X: [count, dimension]` (row-major, `Float` or `Double`) seen through its
/// centring: element `(p, j)` is `Double(X[p, j]) - mean[j]`, formed exactly once per packed
/// element, in Double. As `op(A)` it is `Xc^T` (rows = features, depth = samples); as `op(B)` it
/// is `Xc` (depth = samples, columns = features), so `Xc^T Xc` is one product.
struct CenteredSamples<Scalar: SampleScalar>: DoublePanelSource {
  let base: UnsafePointer<Scalar>
  let dimension: Int
  let mean: UnsafePointer<Double>

  @inline(__always)
  func packRows(_ rows: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>) {
    let mr = DoubleGemmKernel.microRows
    let d = depth.count
    let panels = (rows.count + mr - 1) / mr
    for ip in 0..<panels {
      let panel = out + ip * mr * d
      let i0 = rows.lowerBound + ip * mr
      let height = min(mr, rows.upperBound - i0)
      for p in 0..<d {
        let source = base + (depth.lowerBound + p) * dimension + i0
        let target = panel + p * mr
        for r in 0..<mr { target[r] = r < height ? source[r].doubleValue - mean[i0 + r] : 0 }
      }
    }
  }

  @inline(__always)
  func packColumns(_ columns: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<Double>)
  {
    let nr = DoubleGemmKernel.microColumns
    let d = depth.count
    let panels = (columns.count + nr - 1) / nr
    for jp in 0..<panels {
      let panel = out + jp * nr * d
      let j0 = columns.lowerBound + jp * nr
      let width = min(nr, columns.upperBound - j0)
      for p in 0..<d {
        let source = base + (depth.lowerBound + p) * dimension + j0
        let target = panel + p * nr
        if width == nr {
          for q in 0..<nr { target[q] = source[q].doubleValue - mean[j0 + q] }
        } else {
          for q in 0..<nr { target[q] = q < width ? source[q].doubleValue - mean[j0 + q] : 0 }
        }
      }
    }
  }
}
