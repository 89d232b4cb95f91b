import Testing
import TensorCore

/// Expects `|actual - expected| <= absolute + relative * |expected|`, reporting both values.
public func expectClose(
  _ actual: Double, _ expected: Double, relative: Double = 1e-6, absolute: Double = 0,
  _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  let tolerance = absolute + relative * abs(expected)
  let ok = (actual - expected).magnitude <= tolerance || (actual.isNaN && expected.isNaN)
  #expect(ok, "\(comment.map { "\($0): " } ?? "")expected \(expected), got \(actual) (tolerance \(tolerance))",
    sourceLocation: sourceLocation)
}

/// Expects two tensors of equal shape to agree elementwise within tolerance; reports the worst
/// element.
public func expectClose(
  _ actual: Tensor, _ expected: Tensor, relative: Double = 1e-5, absolute: Double = 1e-6,
  _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.shape == expected.shape, "shapes \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
  guard actual.shape == expected.shape else { return }
  var worst = 0.0
  var worstIndex = -1
  for i in 0..<actual.count {
    let a = Double(actual.scalars[i])
    let e = Double(expected.scalars[i])
    let excess = (a - e).magnitude - (absolute + relative * e.magnitude)
    if excess > worst || !(a.isFinite) { worst = a.isFinite ? excess : .infinity; worstIndex = i }
  }
  #expect(worstIndex < 0,
    "\(comment.map { "\($0): " } ?? "")element \(worstIndex) of \(actual.shape): got \(worstIndex >= 0 ? actual.scalars[worstIndex] : 0), expected \(worstIndex >= 0 ? expected.scalars[worstIndex] : 0)",
    sourceLocation: sourceLocation)
}

/// Expects two tensors to be bit-identical (same shape, same bit patterns).
public func expectBitIdentical(
  _ a: Tensor, _ b: Tensor, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
  let same = a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
  #expect(same, "\(comment.map { "\($0): " } ?? "")tensors differ in bits (shapes \(a.shape), \(b.shape))",
    sourceLocation: sourceLocation)
}

/// A seeded random tensor with elements uniform in [-1, 1] (for tests).
public func randomTensor(_ shape: [Int], seed: UInt64, step: Int = 0) -> Tensor {
  RandomStream(seed: seed, purpose: .testing, step: step).uniformTensor(shape: shape, low: -1, high: 1)
}
