import Datasets
import Foundation
import Metrics
import TensorCore
import TestSupport
import Testing

/// The pretrained feature networks on deterministic formula weights (`FormulaWeights`): layout,
/// thread-count bit-identity, preprocessing, weight-file errors, and agreement with the PyTorch
/// models (a fixture made by Scripts/make-feature-fixtures.py, so no torch is needed here).
@Suite("Pretrained feature networks")
struct PretrainedFeaturesTests {
  /// Writes formula weights for `network` to a temporary file and loads them at `inputSize`.
  static func formulaNetwork(_ network: FeatureNetwork, inputSize: Int) throws -> PretrainedFeatures {
    let path = FormulaWeights.temporaryPath("\(network.rawValue).npz")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try FormulaWeights.write(network, to: path)
    return try PretrainedFeatures(network: network, weightsPath: path, inputSize: inputSize)
  }

  @Test("Weight layout: 49 EfficientNet-Lite0 and 94 Inception convolutions with the PyTorch module names")
  func weightLayout() {
    let effnet = FeatureNetwork.effnetLite0.weightShapes
    #expect(effnet.count == 2 * 49)
    #expect(effnet.first! == ("_conv_stem.weight", [32, 3, 3, 3]))
    #expect(effnet.contains { $0 == ("_blocks.15._depthwise_conv.weight", [1152, 1, 3, 3]) })
    #expect(effnet.last! == ("_conv_head.bias", [1280]))
    let inception = FeatureNetwork.inception.weightShapes
    #expect(inception.count == 2 * 94)
    #expect(inception.first! == ("Conv2d_1a_3x3.weight", [32, 3, 3, 3]))
    #expect(inception.contains { $0 == ("Mixed_6e.branch7x7dbl_5.weight", [192, 192, 1, 7]) })
    #expect(inception.last! == ("Mixed_7c.branch_pool.bias", [192]))
    // EfficientNet-Lite0 has 4.65 M parameters with its 1.28 M classifier and 42 k BatchNorm
    // scales; folded, its convolutions keep 3,371,... (counted here, not assumed):
    let parameters = effnet.reduce(0) { $0 + $1.shape.reduce(1, *) }
    #expect(parameters > 3_300_000 && parameters < 3_400_000, "\(parameters)")
  }

  @Test("Bilinear resize matches a hand computation of align_corners=False")
  func resize() {
    // 2x2 -> 4x4: sources at max(0, (d + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1.25 (-> row 1 alone).
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3])
    let y = BilinearResize.resize(x, height: 4, width: 4)
    let rows: [[Float]] = [[0, 0.25, 0.75, 1], [0.5, 0.75, 1.25, 1.5], [1.5, 1.75, 2.25, 2.5], [2, 2.25, 2.75, 3]]
    #expect(y.scalars == rows.flatMap { $0 })
    // 4 -> 2 (downsampling without antialiasing): sources 0.5 and 2.5.
    let z = BilinearResize.resize(Tensor(shape: [1, 1, 1, 4], scalars: [0, 10, 20, 40]), height: 1, width: 2)
    #expect(z.scalars == [5, 30])
  }

  @Test("EfficientNet-Lite0: 1280 features, bit-identical for 1 and 2 threads and any batch, grayscale = replicated RGB")
  func effnetThreads() throws {
    let net = try Self.formulaNetwork(.effnetLite0, inputSize: 64)
    let images = RandomStream(seed: 5, purpose: .testing).uniformTensor(shape: [3, 3, 13, 11], low: 0, high: 1)
    let one = ComputeThreads.withCount(1) { net.features(ofUnitImages: images) }
    let two = ComputeThreads.withCount(2) { net.features(ofUnitImages: images) }
    #expect(one.shape == [3, 1280])
    #expect(one.isFinite)
    expectBitIdentical(one, two)
    expectBitIdentical(net.features(ofUnitImages: images.rows(1..<2)), one.rows(1..<2))
    #expect(one.rows(0..<1) != one.rows(1..<2))
    let gray = RandomStream(seed: 6, purpose: .testing).uniformTensor(shape: [2, 1, 9, 9], low: 0, high: 1)
    let rgb = Tensor(shape: [2, 3, 9, 9]) { out in
      for b in 0..<2 { for c in 0..<3 { for i in 0..<81 { out[(b * 3 + c) * 81 + i] = gray.scalars[b * 81 + i] } } }
    }
    expectBitIdentical(net.features(ofUnitImages: gray), net.features(ofUnitImages: rgb))
    #expect(net.metricName == "fd-effnet")
  }

  @Test("Inception (pytorch-fid): 2048 features, bit-identical for 1 and 2 threads; fid only for the standard weights")
  func inceptionThreads() throws {
    let net = try Self.formulaNetwork(.inception, inputSize: 75)
    let images = RandomStream(seed: 7, purpose: .testing).uniformTensor(shape: [2, 3, 8, 8], low: 0, high: 1)
    let one = ComputeThreads.withCount(1) { net.features(ofUnitImages: images) }
    let two = ComputeThreads.withCount(2) { net.features(ofUnitImages: images) }
    #expect(one.shape == [2, 2048])
    #expect(one.isFinite)
    expectBitIdentical(one, two)
    #expect(net.metricName == "fd-inception")
    #expect(net.sourceSHA256 == nil)
  }

  @Test("The metric is fid only when the recorded SHA-256 is pytorch-fid's standard file")
  func fidNaming() throws {
    for (hash, name) in [("6726825d" + String(repeating: "0", count: 56), "fid"), ("deadbeef", "fd-inception")] {
      let path = FormulaWeights.temporaryPath("inception.npz")
      defer { try? FileManager.default.removeItem(atPath: path) }
      try FormulaWeights.write(.inception, to: path)
      var archive = try NumpyArchive(contentsOf: path)
      archive = NumpyArchive(
        members: archive.members + [.init(name: "meta.sha256", array: NumpyArray(shape: [hash.utf8.count], elements: .uint8(Array(hash.utf8))))])
      try archive.write(to: path, compressed: false)
      #expect(try PretrainedFeatures(network: .inception, weightsPath: path).metricName == name)
    }
  }

  @Test("Missing, misshaped and foreign weights are errors naming the file and the key")
  func weightErrors() throws {
    let path = FormulaWeights.temporaryPath("effnet.npz")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try FormulaWeights.write(.effnetLite0, to: path, omit: "_blocks.3._project_conv.bias")
    #expect {
      try PretrainedFeatures(network: .effnetLite0, weightsPath: path)
    } throws: { error in
      "\(error)".contains(path) && "\(error)".contains("missing weight '_blocks.3._project_conv.bias'")
    }
    try FormulaWeights.write(.effnetLite0, to: path, reshape: ("_conv_head.weight", [1280, 320, 1, 2]))
    #expect {
      try PretrainedFeatures(network: .effnetLite0, weightsPath: path)
    } throws: { error in
      "\(error)".contains("'_conv_head.weight' has shape [1280, 320, 1, 2], expected [1280, 320, 1, 1]")
    }
    try FormulaWeights.write(.effnetLite0, to: path)
    #expect {
      try PretrainedFeatures(network: .inception, weightsPath: path)
    } throws: { error in
      "\(error)".contains("holds weights of 'effnet-lite0'")
    }
    #expect(throws: MetricsError.self) {
      try PretrainedFeatures(network: .effnetLite0, weightsPath: path + ".missing")
    }
  }

  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/pretrained-features.npz").path

  @Test(
    "Agrees with the PyTorch models (EfficientNet-Lite0 package, pytorch-fid Inception replica) on the stored fixture",
    .enabled(if: FileManager.default.fileExists(atPath: fixture)))
  func agreesWithTorch() throws {
    let archive = try NumpyArchive(contentsOf: Self.fixture)
    let images = try NumpyImages.dataset(from: archive.array(named: "images"), path: Self.fixture)
    for (network, size) in [(FeatureNetwork.effnetLite0, 64), (.inception, 75)] {
      let net = try Self.formulaNetwork(network, inputSize: size)
      let ours = net.features(of: images)
      let torch = try archive.array(named: network.rawValue).tensor()
      #expect(ours.shape == torch.shape)
      // Per feature: the largest difference over images relative to the feature's largest value
      // (at least 1% of the largest value of all features: features that are nearly zero for
      // every image carry only round-off).
      var worst = 0.0
      let d = network.featureDimension
      let overall = torch.scalars.map { Double(abs($0)) }.max()!
      for j in 0..<d {
        var scale = 0.01 * overall
        var difference = 0.0
        for i in 0..<images.count {
          scale = max(scale, Double(abs(torch.scalars[i * d + j])))
          difference = max(difference, Double(abs(ours.scalars[i * d + j] - torch.scalars[i * d + j])))
        }
        worst = max(worst, difference / scale)
      }
      #expect(worst < 1e-3, "\(network.rawValue): largest relative difference per feature \(worst)")
    }
  }
}
