import Datasets
import Foundation
import Metrics

/// Deterministic weights for a pretrained feature network, the same as `formula_value` in
/// Scripts/feature_networks.py (which produced Tests/MetricsTests/Fixtures/pretrained-features.npz):
/// element `i` of array `key` is `a sin(0.731 i + phase)` with `phase = 0.01 * (sum of the key's
/// bytes)` and `a = sqrt(4 / fan_in)` (`fan_in` = the product of the shape after its first
/// dimension); biases are `0.05 cos(...)`. Computed in Double, rounded to Float once.
public enum FormulaWeights {
  /// The array `key` of `shape`.
  public static func values(key: String, shape: [Int]) -> [Float] {
    let count = shape.reduce(1, *)
    let phase = 0.01 * Double(key.utf8.reduce(0) { $0 + Int($1) })
    let isBias = key.hasSuffix(".bias")
    let amplitude = isBias ? 0.05 : (4.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()
    return (0..<count).map { i in
      let t = 0.731 * Double(i) + phase
      return Float(amplitude * (isBias ? cos(t) : sin(t)))
    }
  }

  /// Writes every array `network` reads (`FeatureNetwork.weightShapes`) to `path` as an `.npz`,
  /// leaving out `omit` and giving `reshape` its own shape (for error tests).
  public static func write(
    _ network: FeatureNetwork, to path: String, omit: String? = nil, reshape: (String, [Int])? = nil
  ) throws {
    var members = [NumpyArchive.Member]()
    for (key, expected) in network.weightShapes where key != omit {
      let shape = reshape?.0 == key ? reshape!.1 : expected
      members.append(.init(name: key, array: NumpyArray(shape: shape, elements: .float32(values(key: key, shape: shape)))))
    }
    members.append(.init(name: "meta.network", array: NumpyArray(shape: [network.rawValue.utf8.count], elements: .uint8(Array(network.rawValue.utf8)))))
    try NumpyArchive(members: members).write(to: path, compressed: false)
  }

  /// A fresh temporary path ending in `name`.
  public static func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("precond-\(UUID().uuidString)-\(name)").path
  }
}
