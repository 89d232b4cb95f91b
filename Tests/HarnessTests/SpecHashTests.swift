import CanonicalJSON
import Diffusion
import Foundation
import Harness
import TensorCore
import Testing

/// Spec hashes are SHA-256 of the canonical JSON (`JSONValue.canonicalText()`), not of whatever a
/// Foundation version's `JSONEncoder` writes: pinned here against a canonical text written out by
/// hand from the documented rules.
struct SpecHashTests {
  /// The smoke suite's cell offset4 / cd / analytic / seed 1, written by hand: keys in byte
  /// order, no whitespace, integers bare, doubles with a fraction (`2.0`, `0.0`) or an exponent
  /// (`1e-08`).
  static let handWritten =
    #"{"dataHash":"e0520ab3f36765fc3ff47e9d10ea7e80de47622e9f4dc38ae4242185e16ad3e8","#
    + #""evaluation":{"alignmentSamples":128,"every":50,"gamma":0.0,"gapGrid":4,"gapSamples":256,"#
    + #""metrics":["sw2","alignment"],"nfe":[1,2],"referenceSamples":2048,"samples":512},"#
    + #""method":"cd","preconditioning":"analytic","#
    + #""problem":{"data":{"mixture":{"components":4,"count":4096,"dimension":2,"mixtureSeed":3,"#
    + #""offset":2.0,"radius":1.0,"variance":0.02}},"name":"offset4","teacher":{"exact":{"bandwidth":0.0}}},"#
    + #""protocolVersion":2,"seed":1,"#
    + #""statistics":{"batchSize":512,"differenceStep":0.02,"hutchinsonProbes":1,"lambdaCount":48,"samplesPerPoint":512},"#
    + #""student":{"fit":{"batchSize":256,"learningRate":0.002,"steps":1500},"initialization":"teacher","#
    + #""network":{"mlp":{"conditioningWidth":32,"embeddingFeatures":16,"hiddenWidths":[64,64]}}},"#
    + #""teacher":"exact(bandwidth=0.0)","#
    + #""training":{"batchSize":64,"denoisingLoss":"adaptive","divergenceFactor":1000.0,"evaluationEMARate":0.95,"gridCount":12,"#
    + #""optimizer":{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"adam","learningRate":0.0005,"warmupSteps":0},"#
    + #""steps":200,"targetEMARate":0.95}}"#

  /// `printf '%s' TEXT | sha256sum` of the text above; also the hash `run smoke` records for
  /// that cell.
  static let pinnedHash = "d4d959945ee55cc717055415cdc2e33d41bf0857c4563e0733495994a1d5cb1e"

  @Test("A cell's spec hash is SHA-256 of its hand-written canonical JSON")
  func pinnedCellHash() throws {
    #expect(SHA256.hex(Array(Self.handWritten.utf8)) == Self.pinnedHash)
    let cell = try JSONDecoder().decode(CellSpecification.self, from: Data(Self.handWritten.utf8))
    #expect(cell.canonicalText == Self.handWritten)
    #expect(canonicalJSON(cell) == Self.handWritten)
    #expect(cell.specHash == Self.pinnedHash)
  }

  @Test("A suite record stores the canonical text its hash is computed from")
  func suiteHashIsCanonical() throws {
    let record = try SuiteCatalog.load("smoke").record
    #expect(record.specHash == SpecHash.of(canonicalText: record.specJSON))
    let reparsed = try JSONValue.parse(record.specJSON, file: "smoke", remedy: "")
    #expect(try reparsed.canonicalText() == record.specJSON)
  }
}
