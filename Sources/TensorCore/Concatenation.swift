/// Concatenation along an axis and its adjoint (splitting).
extension Tensor {
  /// Concatenates tensors along `axis`; all other extents must agree.
  public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
    precondition(!parts.isEmpty, "concatenate: no tensors")
    let rank = parts[0].rank
    precondition(axis >= 0 && axis < rank, "concatenate: axis \(axis) out of range for \(parts[0].shape)")
    for p in parts {
      precondition(p.rank == rank && (0..<rank).allSatisfy { $0 == axis || p.shape[$0] == parts[0].shape[$0] },
        "concatenate: shapes \(parts.map { $0.shape }) differ off axis \(axis)")
    }
    let outer = parts[0].shape[..<axis].reduce(1, *)
    let innerPer = parts.map { $0.shape[axis...].reduce(1, *) }
    var shape = parts[0].shape
    shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
    var out = [Float]()
    out.reserveCapacity(Tensor.elementCount(shape))
    for o in 0..<outer {
      for (p, inner) in zip(parts, innerPer) {
        out.append(contentsOf: p.scalars[(o * inner)..<((o + 1) * inner)])
      }
    }
    return Tensor(shape: shape, scalars: out)
  }

  /// Splits along `axis` into parts of the given extents (the adjoint of `concatenate`).
  public func split(axis: Int, extents: [Int]) -> [Tensor] {
    precondition(axis >= 0 && axis < rank && extents.reduce(0, +) == shape[axis],
      "split: extents \(extents) do not partition axis \(axis) of \(shape)")
    let outer = shape[..<axis].reduce(1, *)
    let innerBelow = shape[(axis + 1)...].reduce(1, *)
    let total = shape[axis] * innerBelow
    var offset = 0
    var result = [Tensor]()
    for e in extents {
      var partShape = shape
      partShape[axis] = e
      var values = [Float]()
      values.reserveCapacity(outer * e * innerBelow)
      for o in 0..<outer {
        let start = o * total + offset * innerBelow
        values.append(contentsOf: scalars[start..<(start + e * innerBelow)])
      }
      result.append(Tensor(shape: partShape, scalars: values))
      offset += e
    }
    return result
  }
}
