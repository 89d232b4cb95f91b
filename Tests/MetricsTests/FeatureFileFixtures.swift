import Foundation

/// Small files written by NumPy 2.4 (computed offline, stored here as base64):
///
///     mu1 = [1, 2, 3];     s1 = [[2, .5, 0], [.5, 1, .2], [0, .2, 3]]
///     mu2 = [.5, 2.5, 2];  s2 = [[1, .1, .3], [.1, 2, 0], [.3, 0, .5]]
///     np.savez("a_stored.npz", mu=mu1, sigma=s1)                  # EDM's fid.py ref
///     np.savez_compressed("b_compressed.npz", mu=mu2, sigma=s2)   # pytorch-fid --save-stats
///     np.savez_compressed("a32_compressed.npz", mu=mu1.astype(np.float32), sigma=s1.astype(np.float32))
///     np.save("x.npy", np.array([[1,2,3],[2,2,1],[0,1,5],[3,3,3],[1,0,2]], dtype=np.float32))
///
/// Reference distances with SciPy 1.17.1, pytorch-fid's formula (`sqrtm(s1 @ s2)`):
/// FD(a, b) = 3.093669200771977; FD(x, b) = 3.976738414798815.
enum FeatureFileFixtures {
  static let storedStatistics =
    "UEsDBC0AAAAAAAAAIQAqwR1E//////////8GABQAbXUubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAPA/AAAAAAAAAEAAAAAAAAAIQFBLAwQtAAAAAAAAACEA/2SeDf//////////CQAUAHNpZ21hLm5weQEAEADIAAAAAAAAAMgAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAQAAAAAAAAOA/AAAAAAAAAAAAAAAAAADgPwAAAAAAAPA/mpmZmZmZyT8AAAAAAAAAAJqZmZmZmck/AAAAAAAACEBQSwECLQMtAAAAAAAAACEAKsEdRJgAAACYAAAABgAAAAAAAAAAAAAAgAEAAAAAbXUubnB5UEsBAi0DLQAAAAAAAAAhAP9kng3IAAAAyAAAAAkAAAAAAAAAAAAAAIAB0AAAAHNpZ21hLm5weVBLBQYAAAAAAgACAGsAAADTAQAAAAA="
  static let compressedStatistics =
    "UEsDBC0AAAAIAAAAIQBAt4yr//////////8GABQAbXUubnB5AQAQAJgAAAAAAAAAUAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuBjB4YA+hWRwgNIMDAFBLAwQtAAAACAAAACEAtJ02Wf//////////CQAUAHNpZ21hLm5weQEAEADIAAAAAAAAAGMAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKxpo6CrUKZAMuBjD4YD9rJgjstDcGg8twPkSewQFKM8DkGVDAA3sAUEsBAi0DLQAAAAgAAAAhAEC3jKtQAAAAmAAAAAYAAAAAAAAAAAAAAIABAAAAAG11Lm5weVBLAQItAy0AAAAIAAAAIQC0nTZZYwAAAMgAAAAJAAAAAAAAAAAAAACAAYgAAABzaWdtYS5ucHlQSwUGAAAAAAIAAgBrAAAAJgEAAAAA"
  static let compressedFloat32Statistics =
    "UEsDBC0AAAAIAAAAIQB3pkDR//////////8GABQAbXUubnB5AQAQAIwAAAAAAAAATwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAuBoYGewYGBgcgcgAAUEsDBC0AAAAIAAAAIQBKb6f4//////////8JABQAc2lnbWEubnB5AQAQAKQAAAAAAAAAXAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOgrGmjoKtQpkAy4GBgYHILZngAAg3WB/9oyPHYgDoR0cAFBLAQItAy0AAAAIAAAAIQB3pkDRTwAAAIwAAAAGAAAAAAAAAAAAAACAAQAAAABtdS5ucHlQSwECLQMtAAAACAAAACEASm+n+FwAAACkAAAACQAAAAAAAAAAAAAAgAGHAAAAc2lnbWEubnB5UEsFBgAAAAACAAIAawAAAB4BAAAAAA=="
  static let features =
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDUsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAQAAAQEAAAABAAAAAQAAAgD8AAAAAAACAPwAAoEAAAEBAAABAQAAAQEAAAIA/AAAAAAAAAEA="

  static let mu1: [Double] = [1, 2, 3]
  static let sigma1: [Double] = [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3]
  static let mu2: [Double] = [0.5, 2.5, 2]
  static let sigma2: [Double] = [1, 0.1, 0.3, 0.1, 2, 0, 0.3, 0, 0.5]

  /// Writes base64 `contents` (or raw bytes) to `name` in `directory`; returns the path.
  static func write(_ base64: String, _ name: String, in directory: URL) throws -> String {
    try write(bytes: [UInt8](Data(base64Encoded: base64) ?? Data()), name, in: directory)
  }

  static func write(bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "metrics-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
