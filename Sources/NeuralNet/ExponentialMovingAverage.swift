import TensorCore

/// Exponential moving averages of parameters: `ema = mu ema + (1 - mu) theta`, elementwise.
/// Used for the CM/CTM target network `theta-` (rate `muTarget`) and for evaluation.
public enum ExponentialMovingAverage {
  /// Updates `average` towards `parameters` with decay `rate` (mu).
  public static func update(_ average: inout ParameterSet, towards parameters: ParameterSet, rate: Double) {
    precondition(average.names == parameters.names, "ExponentialMovingAverage: parameter sets differ")
    let mu = Float(rate)
    let oneMinus = Float(1 - rate)
    for i in 0..<average.tensors.count {
      parameters.tensors[i].scalars.withUnsafeBufferPointer { p in
        average.tensors[i].scalars.withUnsafeMutableBufferPointer { e in
          for j in 0..<e.count { e[j] = mu * e[j] + oneMinus * p[j] }
        }
      }
    }
  }
}
