import Datasets
import Foundation

/// The weights of a pretrained feature network, read from the `.npz` that
/// `Scripts/prepare-features` writes (BatchNorm already folded into each convolution):
///
/// - `NAME.weight`: float32 `[out, in, kh, kw]` (`[out, 1, kh, kw]` for depthwise convolutions),
/// - `NAME.bias`: float32 `[out]` (`beta - gamma * mean / sqrt(var + eps)`),
/// - `meta.network`: the network's name as uint8 ASCII (`effnet-lite0`, `inception`),
/// - `meta.sha256`: the SHA-256 of the publisher's weights file as uint8 ASCII hex (optional).
///
/// Every failure is a `MetricsError.malformedFile` naming the file and the key.
struct NetworkWeights {
  let path: String
  let archive: NumpyArchive
  /// When set, no file is read: every requested array is recorded here with its shape and
  /// returned as zeros (`FeatureNetwork.weightShapes`).
  let recorder: Recorder?

  final class Recorder {
    var shapes: [(key: String, shape: [Int])] = []
  }

  /// A recording source (see `recorder`).
  init(recording recorder: Recorder) {
    path = "<recording>"
    archive = NumpyArchive(members: [])
    self.recorder = recorder
  }

  /// Reads `path`; when `network` is given, `meta.network` must be absent or equal to it.
  init(path: String, network: String) throws(MetricsError) {
    self.path = path
    recorder = nil
    do {
      archive = try NumpyArchive(contentsOf: path)
    } catch let error as DatasetError {
      throw .malformedFile(path: error.path ?? path, reason: error.message + " (convert weights with Scripts/prepare-features)")
    } catch {
      throw .malformedFile(path: path, reason: "\(error)")
    }
    if let stored = try text("meta.network"), stored != network {
      throw .malformedFile(
        path: path, reason: "holds weights of '\(stored)' (meta.network), not of '\(network)'")
    }
  }

  /// A uint8 ASCII member as a string, or nil when absent.
  func text(_ key: String) throws(MetricsError) -> String? {
    guard let array = archive[key] else { return nil }
    guard case .uint8(let bytes) = array.elements, array.shape.count == 1 else {
      throw .malformedFile(path: path, reason: "'\(key)' must be a uint8 ASCII vector, got \(array.dtype.descr) \(array.shape)")
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// A float32 member of exactly `shape`.
  func array(_ key: String, shape: [Int]) throws(MetricsError) -> [Float] {
    if let recorder {
      recorder.shapes.append((key, shape))
      return [Float](repeating: 0, count: shape.reduce(1, *))
    }
    guard let array = archive[key] else {
      throw .malformedFile(
        path: path,
        reason: "missing weight '\(key)' (shape \(shape); the file holds \(archive.members.count) arrays; convert with Scripts/prepare-features)")
    }
    guard array.shape == shape else {
      throw .malformedFile(path: path, reason: "weight '\(key)' has shape \(array.shape), expected \(shape)")
    }
    guard case .float32(let values) = array.elements else {
      throw .malformedFile(path: path, reason: "weight '\(key)' must be float32, got \(array.dtype.descr)")
    }
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw .malformedFile(path: path, reason: "weight '\(key)' holds a non-finite value at flat index \(bad)")
    }
    return values
  }

  /// The convolution `name` (`name.weight`, `name.bias`).
  func convolution(
    _ name: String, in inChannels: Int, out outChannels: Int, kernel: (Int, Int), stride: Int = 1,
    padding: Padding, depthwise: Bool = false
  ) throws(MetricsError) -> ConvolutionLayer {
    precondition(!depthwise || inChannels == outChannels, "\(name): a depthwise convolution keeps its channels")
    let weight = try array(
      name + ".weight", shape: [outChannels, depthwise ? 1 : inChannels, kernel.0, kernel.1])
    let bias = try array(name + ".bias", shape: [outChannels])
    return ConvolutionLayer(
      name: name, outChannels: outChannels, inChannels: inChannels, kernelHeight: kernel.0,
      kernelWidth: kernel.1, stride: stride, padding: padding, depthwise: depthwise, weight: weight,
      bias: bias)
  }
}
