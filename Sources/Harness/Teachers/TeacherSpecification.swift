import CanonicalJSON
import Datasets
import Diffusion
import Foundation
import TensorCore

/// A teacher given on the command line as a JSON file (docs/harness.md, "Command line"):
/// `{"kind": "gmm", "components": [{"weight": 1, "mean": [...], "variance": 0.25}]}`,
/// `{"kind": "empirical", "data": "x.npy", "bandwidth": 0}` or
/// `{"kind": "network", "checkpoint": "PATH", "data": "x.npy"}` (data optional: without it the
/// statistics use samples of the teacher's own EDM sampler).
public struct LoadedTeacher: Sendable {
  /// The denoiser.
  public let teacher: any Denoiser
  /// Training-set samples `x0` for statistics and gaps.
  public let data: Tensor
  /// A one-line description.
  public let summary: String
  /// What the loader changed or assumed that the user should hear about (e.g. weights that were
  /// normalised), one line each.
  public var notes: [String] = []

  init(teacher: any Denoiser, data: Tensor, summary: String, notes: [String] = []) {
    self.teacher = teacher
    self.data = data
    self.summary = summary
    self.notes = notes
  }

  /// Reads and builds the teacher in `path`; `sampleCount` bounds the samples drawn for
  /// analytic mixtures and network teachers without data.
  public static func load(path: String, sampleCount: Int = 4096) throws -> LoadedTeacher {
    let remedy = "see README.md, \"Teacher files\""
    guard let bytes = FileManager.default.contents(atPath: path) else {
      throw RecordFormatError(file: path, keyPath: nil, message: "cannot read the teacher file", remedy: "check the path")
    }
    var reader = try JSONObjectReader(try JSONValue.parse(bytes: Array(bytes), file: path, remedy: remedy), file: path, remedy: remedy)
    let kind = try reader.string("kind")
    let base = URL(fileURLWithPath: path).deletingLastPathComponent()
    func resolve(_ file: String) -> String { file.hasPrefix("/") ? file : base.appendingPathComponent(file).path }
    func loadData(_ key: String) throws -> Tensor? {
      guard let file = try reader.optionalString(key) else { return nil }
      do {
        let array = try NumpyArray(contentsOf: resolve(file))
        let tensor = array.tensor()
        guard tensor.rank >= 2, tensor.shape[0] >= 1 else {
          throw reader.failure(key, "\(file) must hold samples [n, ...], has shape \(tensor.shape)")
        }
        return tensor
      } catch let error as DatasetError {
        throw reader.failure(key, "\(error)")
      }
    }
    switch kind {
    case "gmm":
      let components = try reader.array("components")
      guard !components.isEmpty else { throw reader.failure("components", "needs at least one component") }
      var parsed = [MixtureComponent]()
      for (i, element) in components.enumerated() {
        var c = try reader.element("components", i, element)
        let weight = try c.number("weight")
        let mean = try c.array("mean").map { value -> Double in
          switch value {
          case .integer(let n): return Double(n)
          case .number(let x) where x.isFinite: return x
          default: throw c.failure("mean", "expected finite numbers")
          }
        }
        let variance = try c.number("variance")
        guard weight > 0, weight.isFinite else { throw c.failure("weight", "must be a finite number > 0, got \(weight)") }
        guard variance >= 0, variance.isFinite else { throw c.failure("variance", "must be a finite number >= 0, got \(variance)") }
        guard !mean.isEmpty else { throw c.failure("mean", "needs at least one value") }
        if let first = parsed.first, first.mean.count != mean.count {
          throw c.failure("mean", "has \(mean.count) values; component 0 has \(first.mean.count)")
        }
        try c.finish()
        parsed.append(MixtureComponent(weight: weight, mean: mean, variance: variance))
      }
      try reader.finish()
      // The mixture normalises its weights; say so when they did not already sum to 1.
      var notes = [String]()
      let total = parsed.reduce(0) { $0 + $1.weight }
      if abs(total - 1) > 1e-9 {
        notes.append("\(path): key 'components[].weight': the weights sum to \(total), not 1; "
          + "they were normalised (divided by \(total))")
      }
      let teacher = GaussianMixtureTeacher(components: parsed)
      let data = teacher.sample(count: sampleCount, stream: RandomStream(seed: 0x4746, purpose: .datasetSynthesis))
      return LoadedTeacher(teacher: teacher, data: data, summary: "exact Gaussian mixture, \(parsed.count) components in \(teacher.dimension)-D",
        notes: notes)
    case "empirical":
      guard let data = try loadData("data") else { throw reader.failure("data", "missing (a .npy of samples [n, ...])") }
      let bandwidth = try reader.optionalNumber("bandwidth") ?? 0
      guard bandwidth >= 0, bandwidth.isFinite else { throw reader.failure("bandwidth", "must be a finite number >= 0, got \(bandwidth)") }
      try reader.finish()
      return LoadedTeacher(teacher: EmpiricalTeacher(data: data, bandwidth: bandwidth), data: data,
        summary: "exact empirical denoiser of \(data.shape[0]) samples (bandwidth \(bandwidth))")
    case "network":
      let checkpoint = resolve(try reader.string("checkpoint"))
      let data = try loadData("data")
      try reader.finish()
      let teacher: any Denoiser
      do {
        teacher = try TeacherCache.loadTeacher(from: checkpoint)
      } catch {
        throw reader.failure("checkpoint", "\(error)")
      }
      let samples = data ?? ProbabilityFlow(teacher).sample(
        noise: RandomStream(seed: 0x4E54, purpose: .samplingNoise).normalTensor(shape: [min(sampleCount, 1024)] + teacher.sampleShape),
        grid: KarrasGrid(count: 18))
      return LoadedTeacher(teacher: teacher, data: samples, summary: "network teacher \(checkpoint)")
    default:
      throw reader.failure("kind", "unknown teacher kind '\(kind)' (valid: gmm, empirical, network)")
    }
  }
}
