import Datasets
import Foundation

/// Features or statistics computed outside PrecondBench (the `external` extractor), read from
/// the files pytorch-fid and EDM write:
///
/// - `.npy`: a feature matrix `[N, D]`, float32 or float64, `N >= 2` (e.g. Inception-v3 pool
///   features, D = 2048); its moments are computed here (`FeatureMoments`).
/// - `.npz`: reference statistics with members `mu: [D]` and `sigma: [D, D]` (float32 or float64;
///   stored as by `numpy.savez` or deflated as by `numpy.savez_compressed`), as pytorch-fid's
///   `--save-stats` and EDM's `fid.py ref` write them. `sigma` must be symmetric to 1e-6 relative
///   and is then symmetrised.
///
/// The kind is decided by the file's first bytes (`\x93NUMPY` or a zip signature), whatever its
/// name. Every failure names the file.
public struct FeatureFile: Sendable {
  /// What a file held.
  public enum Contents: Sendable, Equatable {
    /// A feature matrix of `count` rows of `dimension` features in the named dtype.
    case features(count: Int, dimension: Int, dtype: String)
    /// `mu`/`sigma` statistics of `dimension` features.
    case statistics(dimension: Int)
  }

  /// The path the file was read from.
  public let path: String
  /// What it held.
  public let contents: Contents
  /// The mean and covariance of its features.
  public let moments: FeatureMoments

  /// Reads `path`.
  ///
  /// - Throws: `MetricsError.malformedFile(path:reason:)` for a missing, unreadable or malformed
  ///   file, a wrong dtype or shape, non-finite values or an asymmetric `sigma`.
  public init(path: String) throws(MetricsError) {
    self.path = path
    do {
      if try Self.isZip(path) {
        let archive = try NumpyArchive(contentsOf: path)
        (contents, moments) = try Self.statistics(archive, path: path)
      } else {
        let array = try NumpyArray(contentsOf: path)
        (contents, moments) = try Self.features(array, path: path)
      }
    } catch let error as MetricsError {
      throw error
    } catch let error as DatasetError {
      let at =
        error.offset.map {
          "at byte \($0)\(error.offsetIsDecompressed ? " of the decompressed data" : ""): "
        } ?? ""
      throw .malformedFile(path: error.path ?? path, reason: at + error.message)
    } catch {
      throw .malformedFile(path: path, reason: "\(error)")
    }
  }

  /// A one-line description for people: what the file held.
  public var summary: String {
    switch contents {
    case .features(let count, let dimension, let dtype):
      return "\(count) x \(dimension) \(dtype) features"
    case .statistics(let dimension): return "mu/sigma statistics of dimension \(dimension)"
    }
  }

  /// Whether the file starts with a zip signature (`PK\3\4`, or `PK\5\6` for an empty archive).
  /// A directory or unreadable path is "not a zip": the `.npy` reader then reports it by name.
  static func isZip(_ path: String) throws -> Bool {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
      let handle = FileHandle(forReadingAtPath: path)
    else { return false }
    defer { try? handle.close() }
    // `read(upToCount:)` throws where `readData(ofLength:)` traps (e.g. EISDIR, EIO).
    guard let data = try? handle.read(upToCount: 4) else { return false }
    let head = [UInt8](data)
    return head.count == 4 && head[0] == 0x50 && head[1] == 0x4B
      && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))
  }

  static func features(_ array: NumpyArray, path: String) throws -> (Contents, FeatureMoments) {
    guard array.shape.count == 2 else {
      throw MetricsError.malformedFile(
        path: path, reason: "features must be a 2-D array [N, D], got shape \(array.shape)")
    }
    let (count, dimension) = (array.shape[0], array.shape[1])
    guard count >= 2, dimension >= 1 else {
      throw MetricsError.malformedFile(
        path: path,
        reason:
          "features need at least 2 rows and 1 column for a covariance, got shape \(array.shape)")
    }
    switch array.elements {
    case .float32(let values):
      try checkFinite(values.lazy.map(Double.init), path: path, what: "features")
      let moments = values.withUnsafeBufferPointer {
        FeatureMoments(samples: $0, count: count, dimension: dimension)
      }
      return (.features(count: count, dimension: dimension, dtype: "float32"), moments)
    case .float64(let values):
      try checkFinite(values, path: path, what: "features")
      let moments = values.withUnsafeBufferPointer {
        FeatureMoments(samples: $0, count: count, dimension: dimension)
      }
      return (.features(count: count, dimension: dimension, dtype: "float64"), moments)
    case .uint8, .int32, .int64:
      throw MetricsError.malformedFile(
        path: path, reason: "features must be float32 or float64, got \(array.dtype.descr)")
    }
  }

  static func statistics(_ archive: NumpyArchive, path: String) throws -> (Contents, FeatureMoments)
  {
    let mu = try archive.array(named: "mu")
    let sigma = try archive.array(named: "sigma")
    for (array, name) in [(mu, "mu"), (sigma, "sigma")] {
      switch array.elements {
      case .float32, .float64: break
      case .uint8, .int32, .int64:
        throw MetricsError.malformedFile(
          path: path, reason: "\(name) must be float32 or float64, got \(array.dtype.descr)")
      }
    }
    guard mu.shape.count == 1, mu.shape[0] >= 1 else {
      throw MetricsError.malformedFile(
        path: path, reason: "mu must be a vector [D], got shape \(mu.shape)")
    }
    let dimension = mu.shape[0]
    guard sigma.shape == [dimension, dimension] else {
      throw MetricsError.malformedFile(
        path: path,
        reason:
          "sigma must be [\(dimension), \(dimension)] to match mu [\(dimension)], got shape \(sigma.shape)"
      )
    }
    let mean = mu.doubles()
    let covariance = DoubleMatrix(rows: dimension, columns: dimension, scalars: sigma.doubles())
    try checkFinite(mean, path: path, what: "mu")
    try checkFinite(covariance.scalars, path: path, what: "sigma")
    let asymmetry = covariance.relativeAsymmetry
    guard asymmetry <= 1e-6 else {
      throw MetricsError.malformedFile(
        path: path,
        reason:
          "sigma is not symmetric (largest |sigma - sigma^T| is \(asymmetry) of its largest element)"
      )
    }
    return (
      .statistics(dimension: dimension),
      FeatureMoments(mean: mean, covariance: covariance.symmetrized())
    )
  }

  static func checkFinite<S: Sequence<Double>>(_ values: S, path: String, what: String) throws {
    var index = 0
    for value in values {
      guard value.isFinite else {
        throw MetricsError.malformedFile(
          path: path, reason: "\(what) contain a non-finite value (\(value)) at flat index \(index)"
        )
      }
      index += 1
    }
  }
}
