import CanonicalJSON

/// Which metric: its name and the NFE of the sampler it is measured with (0 for NFE-free
/// metrics).
public struct MetricKey: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  /// `fd-pixels`, `fd-randconv`, `fd-external`, `sw2`, `alignment`, `alignment-final`,
  /// `consistency-loss`, ...
  public var name: String
  /// Number of function evaluations; 0 when the metric has none.
  public var nfe: Int

  /// A key from its parts.
  public init(name: String, nfe: Int) {
    self.name = name
    self.nfe = nfe
  }

  /// `fd-pixels (NFE 2)`, or the bare name when `nfe` is 0.
  public var description: String { nfe == 0 ? name : "\(name) (NFE \(nfe))" }

  /// Orders by name, then NFE.
  public static func < (a: MetricKey, b: MetricKey) -> Bool {
    a.name != b.name ? a.name < b.name : a.nfe < b.nfe
  }

  /// Whether the metric is a proxy for FID (a Frechet distance on features other than
  /// Inception-v3's): reports must say so.
  public var isFIDProxy: Bool { name == "fd-pixels" || name == "fd-randconv" }
}

/// One measured value of a metric.
public struct MetricValue: Codable, Sendable, Hashable {
  /// The metric's name.
  public var name: String
  /// The NFE of the sampler (0 when not applicable).
  public var nfe: Int
  /// The value (may be infinite or NaN when sampling diverged).
  public var value: Double

  /// A value from its parts.
  public init(name: String, nfe: Int, value: Double) {
    self.name = name
    self.nfe = nfe
    self.value = value
  }

  /// Which metric this is.
  public var key: MetricKey { MetricKey(name: name, nfe: nfe) }

  /// The value as a JSON object.
  public var json: JSONValue {
    .object(["name": .string(name), "nfe": .int(nfe), "value": .number(value)])
  }

  /// Reads a value from a JSON object (strictly).
  public init(json value: JSONValue, path: String, file: String, remedy: String) throws {
    var reader = try JSONObjectReader(value, path: path, file: file, remedy: remedy)
    self.init(
      name: try reader.string("name"), nfe: try reader.integer("nfe"),
      value: try reader.number("value"))
    try reader.finish()
  }
}

extension Array where Element == MetricValue {
  /// The values sorted by (name, NFE): the order every table and file uses.
  public func sortedByKey() -> [MetricValue] {
    sorted { $0.key < $1.key }
  }
}
