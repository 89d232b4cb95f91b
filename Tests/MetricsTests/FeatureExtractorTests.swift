import Metrics
import TensorCore
import TestSupport
import Testing

@Suite("Feature extractors")
struct FeatureExtractorTests {
  @Test("Names, parsing at the boundary, and the external extractor's error")
  func namesAndParsing() throws {
    #expect(
      FeatureExtractor.allCases.map(\.frechetMetricName) == [
        "fd-pixels", "fd-randconv", "fd-external", "fd-effnet", "fd-inception",
      ])
    #expect(try FeatureExtractor(parsing: "randconv") == .randconv)
    #expect(
      throws: MetricsError.unknownChoice(
        kind: "feature extractor", given: "fid", valid: ["pixels", "randconv", "external", "effnet", "inception"])
    ) {
      try FeatureExtractor(parsing: "fid")
    }
    #expect(FeatureExtractor.effnet.network == .effnetLite0 && FeatureExtractor.pixels.network == nil)
    #expect(FeatureExtractor.randconv.specification.hasPrefix("randconv-v1"))
    #expect(throws: MetricsError.self) {
      try FeatureExtractor.external.features(of: Tensor(zeros: [2, 3]))
    }
  }

  @Test("pixels flattens each sample")
  func pixels() throws {
    let images = randomTensor([3, 2, 4, 4], seed: 1)
    let features = try FeatureExtractor.pixels.features(of: images)
    #expect(features.shape == [3, 32])
    #expect(features.scalars == images.scalars)
  }

  @Test("randconv: 448 fixed features, deterministic, thread-independent, sensitive to content")
  func randconv() throws {
    let images = randomTensor([5, 3, 12, 10], seed: 2)
    let features = try FeatureExtractor.randconv.features(of: images)
    #expect(features.shape == [5, 448])
    #expect(features.isFinite)
    #expect(RandomConvolutionFeatures.featureDimension == 448)
    let again = ComputeThreads.withCount(2) {
      RandomConvolutionFeatures(inputChannels: 3).features(of: images)
    }
    expectBitIdentical(features, again)
    // A sample's features do not depend on its batch.
    let alone = RandomConvolutionFeatures(inputChannels: 3).features(of: images.rows(2..<3))
    expectBitIdentical(alone, features.rows(2..<3))
    // Standard deviations are non-negative; different images have different features.
    #expect(
      (0..<5).allSatisfy { r in (32..<64).allSatisfy { features.scalars[r * 448 + $0] >= 0 } })
    #expect(features.rows(0..<1) != features.rows(1..<2))
    // Odd sizes, one channel.
    let gray = RandomConvolutionFeatures(inputChannels: 1).features(
      of: randomTensor([2, 1, 7, 9], seed: 3))
    #expect(gray.shape == [2, 448])
    // Golden values (first run of randconv-v1): a change of the network, its seed or its feature
    // order shows up here. The tolerance leaves room for a different Float GEMM blocking.
    let golden = RandomConvolutionFeatures(inputChannels: 3).features(
      of: RandomStream(seed: 2, purpose: .testing).uniformTensor(
        shape: [5, 3, 12, 10], low: -1, high: 1))
    for (index, value) in [
      (0, 0.315132), (33, 0.42914706), (100, 0.46954608), (447, 0.08466933),
      (448 * 4 + 300, 0.48263752),
    ] {
      expectClose(Double(golden.scalars[index]), value, relative: 1e-4, "feature \(index)")
    }
  }
}
