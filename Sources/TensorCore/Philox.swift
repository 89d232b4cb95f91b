/// The Philox4x32-10 counter-based generator of Salmon et al., "Parallel random numbers: as easy
/// as 1, 2, 3" (SC 2011), as implemented in Random123.
///
/// A pure function of a 128-bit counter and a 64-bit key: no state, so any draw can be computed
/// independently of any other.
public enum Philox4x32 {
  @usableFromInline static let multiplier0: UInt32 = 0xD251_1F53
  @usableFromInline static let multiplier1: UInt32 = 0xCD9E_8D57
  @usableFromInline static let weyl0: UInt32 = 0x9E37_79B9
  @usableFromInline static let weyl1: UInt32 = 0xBB67_AE85

  /// Applies the 10-round bijection to `counter` under `key`.
  @inlinable
  public static func generate(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
    var c = counter
    var k = key
    for round in 0..<10 {
      if round > 0 {
        k.x &+= weyl0
        k.y &+= weyl1
      }
      let product0 = UInt64(multiplier0) &* UInt64(c.x)
      let product1 = UInt64(multiplier1) &* UInt64(c.z)
      let hi0 = UInt32(truncatingIfNeeded: product0 >> 32)
      let lo0 = UInt32(truncatingIfNeeded: product0)
      let hi1 = UInt32(truncatingIfNeeded: product1 >> 32)
      let lo1 = UInt32(truncatingIfNeeded: product1)
      c = SIMD4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0)
    }
    return c
  }
}
