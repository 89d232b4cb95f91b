#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Autodiff
import NeuralNet
import TensorCore

/// The noise range of the EDM "VE" process `x_t = x0 + t eps` (Karras et al. 2022).
public enum NoiseRange {
  /// Smallest noise level, `tMin` = 0.002.
  public static let tMin: Double = 0.002
  /// Largest noise level, `tMax` = 80.
  public static let tMax: Double = 80
}

/// EDM's inner preconditioning of a raw network `F` (Karras et al. 2022, Table 1):
/// `D(x, t) = cSkip(t) x + cOut(t) F(cIn(t) x, cNoise(t))`.
public struct EDMPreconditioning: Sendable, Hashable, Codable {
  /// The data standard deviation `sigmaData`.
  public let sigmaData: Double

  /// Creates the preconditioning for `sigmaData`.
  public init(sigmaData: Double) {
    precondition(sigmaData > 0, "EDMPreconditioning: sigmaData must be positive, got \(sigmaData)")
    self.sigmaData = sigmaData
  }

  /// `cSkip = sigmaData^2 / (t^2 + sigmaData^2)`.
  public func cSkip(_ t: Double) -> Double { sigmaData * sigmaData / (t * t + sigmaData * sigmaData) }
  /// `cOut = t sigmaData / sqrt(t^2 + sigmaData^2)`.
  public func cOut(_ t: Double) -> Double { t * sigmaData / (t * t + sigmaData * sigmaData).squareRoot() }
  /// `cIn = 1 / sqrt(t^2 + sigmaData^2)`.
  public func cIn(_ t: Double) -> Double { 1 / (t * t + sigmaData * sigmaData).squareRoot() }
  /// `cNoise = ln(t) / 4`.
  public static func cNoise(_ t: Double) -> Double { log(t) / 4 }
  /// The EDM loss weight `(t^2 + sigmaData^2) / (t sigmaData)^2`.
  public func lossWeight(_ t: Double) -> Double {
    (t * t + sigmaData * sigmaData) / ((t * sigmaData) * (t * sigmaData))
  }
}

/// The one place EDM's preconditioned network is written: the teacher (`NetworkDenoiser`), its
/// training (`TeacherTrainer`) and the student (`Student`) all go through these.
extension EDMPreconditioning {
  /// `cNoise(t)` of each row, as a network's noise input.
  public static func noiseInput(_ t: [Double]) -> [Float] { t.map { Float(cNoise($0)) } }

  /// The raw network's output `F(cIn(t) x, cNoise(t), extra...)` per row; `extraNoiseInputs`
  /// follow `cNoise(t)` (a student's `cNoise(s)`).
  public func rawOutput(
    of network: any Network, _ x: Variable, noiseLevels t: [Double], extraNoiseInputs: [[Float]] = [],
    parameters: BoundParameters
  ) -> Variable {
    let input = x * Tensor.perSample(t.map { cIn($0) }, rank: x.shape.count)
    return network(input, conditions: [EDMPreconditioning.noiseInput(t)] + extraNoiseInputs, parameters: parameters)
  }

  /// The denoiser `D = cSkip(t) x + cOut(t) F` per row, from the raw output `F`.
  public func denoised(_ x: Variable, raw: Variable, noiseLevels t: [Double]) -> Variable {
    let rank = x.shape.count
    return x * Tensor.perSample(t.map { cSkip($0) }, rank: rank) + raw * Tensor.perSample(t.map { cOut($0) }, rank: rank)
  }

  /// `D(x, t) = cSkip(t) x + cOut(t) F(cIn(t) x, cNoise(t), extra...)` per row.
  public func denoise(
    _ x: Variable, noiseLevels t: [Double], network: any Network, extraNoiseInputs: [[Float]] = [],
    parameters: BoundParameters
  ) -> Variable {
    let raw = rawOutput(of: network, x, noiseLevels: t, extraNoiseInputs: extraNoiseInputs, parameters: parameters)
    return denoised(x, raw: raw, noiseLevels: t)
  }
}

/// The Karras et al. (2022) grid of `count` noise levels, decreasing from `tMax` to `tMin`:
/// `t_i = (tMax^(1/rho) + i/(N-1) (tMin^(1/rho) - tMax^(1/rho)))^rho`, i = 0..N-1 (EDM eq. 5).
public struct KarrasGrid: Sendable, Hashable, Codable {
  /// Number of points `N`.
  public let count: Int
  /// `rho` (7 in EDM).
  public let rho: Double
  /// Lowest level.
  public let tMin: Double
  /// Highest level.
  public let tMax: Double

  /// A grid with `count >= 2` points.
  public init(count: Int, rho: Double = 7, tMin: Double = NoiseRange.tMin, tMax: Double = NoiseRange.tMax) {
    precondition(count >= 2, "KarrasGrid: needs at least 2 points, got \(count)")
    self.count = count
    self.rho = rho
    self.tMin = tMin
    self.tMax = tMax
  }

  /// `t_i`.
  public func time(_ i: Int) -> Double {
    precondition(i >= 0 && i < count, "KarrasGrid: index \(i) outside 0..<\(count)")
    if i == 0 { return tMax }
    if i == count - 1 { return tMin }
    return level(atFraction: Double(i) / Double(count - 1))
  }

  /// The Karras curve at a fraction `xi` in `[0, 1]` of the way from `tMax` to `tMin`:
  /// `(tMax^(1/rho) + xi (tMin^(1/rho) - tMax^(1/rho)))^rho`.
  public func level(atFraction xi: Double) -> Double {
    let a = pow(tMax, 1 / rho)
    let b = pow(tMin, 1 / rho)
    return pow(a + xi * (b - a), rho)
  }

  /// All levels, decreasing.
  public var times: [Double] { (0..<count).map(time) }
}
