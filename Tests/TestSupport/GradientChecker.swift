import Testing
import TensorCore
import Autodiff

/// Checks reverse-mode gradients against central finite differences formed in Double
/// (llm.c's and tinygrad's habit): for a random cotangent `w`, the objective
/// `L(x) = sum_i w_i f(x)_i` is accumulated in Double and `dL/dx_j ~ (L(x + h e_j) - L(x - h e_j)) / 2h`.
public enum GradientChecker {
  /// Compares the tape's vector-Jacobian product with finite differences for every input.
  ///
  /// - Parameters:
  ///   - inputs: the points at which to differentiate.
  ///   - step: the finite-difference step `h` (Float forward passes need ~1e-2).
  ///   - maxElements: at most this many elements of each input are probed (a seeded choice).
  ///   - function: the computation, built from `Variable` operations.
  public static func check(
    _ inputs: [Tensor], step: Float = 1e-2, relative: Double = 2e-2, absolute: Double = 2e-3,
    maxElements: Int = 48, seed: UInt64 = 7, sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> Variable
  ) {
    let tape = Tape()
    let variables = inputs.map { tape.variable($0) }
    let output = function(variables)
    let cotangent = RandomStream(seed: seed, purpose: .testing, step: 1000)
      .uniformTensor(shape: output.shape.isEmpty ? [1] : output.shape, low: -1, high: 1)
      .reshaped(output.shape)
    let gradients = tape.gradients(of: output, seed: cotangent)

    func objective(_ points: [Tensor]) -> Double {
      let y = function(points.map { Variable($0) }).value
      var total = 0.0
      for i in 0..<y.count { total += Double(cotangent.scalars[i]) * Double(y.scalars[i]) }
      return total
    }

    for (index, input) in inputs.enumerated() {
      let analytic = gradients[variables[index]]
      let probes: [Int]
      if input.count <= maxElements {
        probes = Array(0..<input.count)
      } else {
        let stream = RandomStream(seed: seed, purpose: .testing, step: 2000 + index)
        probes = (0..<maxElements).map { stream.integer(below: input.count, sample: $0) }
      }
      for j in probes {
        var plus = inputs
        var minus = inputs
        plus[index].scalars[j] += step
        minus[index].scalars[j] -= step
        // The step actually taken in Float.
        let h = Double(plus[index].scalars[j]) - Double(minus[index].scalars[j])
        let numeric = (objective(plus) - objective(minus)) / h
        let a = Double(analytic.scalars[j])
        let tolerance = absolute + relative * max(abs(numeric), abs(a))
        #expect(abs(a - numeric) <= tolerance,
          "input \(index) \(input.shape) element \(j): analytic \(a), finite difference \(numeric)",
          sourceLocation: sourceLocation)
      }
    }
  }
}
