import Foundation

/// Files written by NumPy 2.x and Python's gzip, generated once and embedded here as base64, so
/// that the readers are checked against the real writers' bytes.
enum Fixtures {
  /// `np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1)`
  static let npyFloat32 = bytes(
    """
    k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMp
    LCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/
    AAAAvwAAAAAAAAA/AACAPwAAwD8=
    """)
  /// `np.save(f, np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3))`
  static let npyUInt8NHWC = bytes(
    """
    k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIs
    IDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAQID
    BAUGBwgJCgsMDQ4PEBESExQVFhc=
    """)
  /// `np.save(f, np.array([1.5, -2.25, 1e300]))`
  static let npyFloat64 = bytes(
    """
    k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwg
    fSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAA
    AAD4PwAAAAAAAALAnHUAiDzkN34=
    """)
  /// `np.save(f, np.array([3, -1, 7], dtype=np.int64))`
  static let npyInt64 = bytes(
    """
    k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwg
    fSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoDAAAA
    AAAAAP//////////BwAAAAAAAAA=
    """)
  /// `np.savez(f, mu=np.array([1.0, 2.0]), sigma=np.array([[2.0, 0.5], [0.5, 1.0]]))` (zip64 local headers)
  static let npzStored = bytes(
    """
    UEsDBC0AAAAAAAAAIQBkW6q///////////8GABQAbXUubnB5AQAQAJAAAAAAAAAAkAAAAAAAAACTTlVNUFkBAHYA
    eydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAg
    ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAPA/AAAAAAAA
    AEBQSwMELQAAAAAAAAAhAC/hIRX//////////wkAFABzaWdtYS5ucHkBABAAoAAAAAAAAACgAAAAAAAAAJNOVU1Q
    WQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAyKSwgfSAg
    ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAEAA
    AAAAAADgPwAAAAAAAOA/AAAAAAAA8D9QSwECLQMtAAAAAAAAACEAZFuqv5AAAACQAAAABgAAAAAAAAAAAAAAgAEA
    AAAAbXUubnB5UEsBAi0DLQAAAAAAAAAhAC/hIRWgAAAAoAAAAAkAAAAAAAAAAAAAAIAByAAAAHNpZ21hLm5weVBL
    BQYAAAAAAgACAGsAAACjAQAAAAA=
    """)
  /// `np.savez_compressed(f, mu=..., sigma=... (as above), pixels=np.zeros((4, 4), np.uint8))`
  static let npzCompressed = bytes(
    """
    UEsDBC0AAAAIAAAAIQBkW6q///////////8GABQAbXUubnB5AQAQAJAAAAAAAAAATAAAAAAAAACb7BfqGxDJyFDG
    UK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuBjD4YA+hGRwA
    UEsDBC0AAAAIAAAAIQAv4SEV//////////8JABQAc2lnbWEubnB5AQAQAKAAAAAAAAAAUQAAAAAAAACb7BfqGxDJ
    yFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOgpGmjoKtQpkAy4GCHCA
    UA/sUekP9gBQSwMELQAAAAgAAAAhAE8CKOn//////////woAFABwaXhlbHMubnB5AQAQAJAAAAAAAAAASQAAAAAA
    AACb7BfqGxDJyFDGUK2eklqcXKRupaBeU2qorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RomOgommjoK
    tQpkAy4GNAAAUEsBAi0DLQAAAAgAAAAhAGRbqr9MAAAAkAAAAAYAAAAAAAAAAAAAAIABAAAAAG11Lm5weVBLAQIt
    Ay0AAAAIAAAAIQAv4SEVUQAAAKAAAAAJAAAAAAAAAAAAAACAAYQAAABzaWdtYS5ucHlQSwECLQMtAAAACAAAACEA
    TwIo6UkAAACQAAAACgAAAAAAAAAAAAAAgAEQAQAAcGl4ZWxzLm5weVBLBQYAAAAAAwADAKMAAACVAQAAAAA=
    """)
  /// `gzip.compress(IDX header 00 00 08 03, [2, 3, 3], bytes 0..<18, mtime=0)`
  static let idxImagesGzip = bytes(
    """
    H4sIAAAAAAACA2Ng4GBmYGBgAmJmMGZkYmZhZWPn4OTi5uHl4xcQBADTWAgCIgAAAA==
    """)

  private static func bytes(_ base64: String) -> [UInt8] {
    [UInt8](Data(base64Encoded: base64.replacingOccurrences(of: "\n", with: "")) ?? Data())
  }
}
