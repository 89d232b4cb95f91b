/// Elementary functions on eight lanes at once, for the elementwise kernels on the training hot
/// path (SiLU). Deterministic: the same input bits give the same output bits in every lane, on
/// every call, whatever the thread count. They are not bit-identical to the C library's scalar
/// `expf`, but within a few units in the last place of it (checked in `VectorMathTests`).
public enum VectorMath {
  /// `e^x` per lane, within 2 ulp of `expf` on [-87.33, 88.72]; `+inf` above 88.72284 (where
  /// `expf` overflows), `0` below -87.33654 (where `expf` returns subnormals or 0), NaN for NaN.
  ///
  /// Cody-Waite reduction `x = n ln2 + r`, |r| <= ln2/2, with ln2 in two parts and fused
  /// multiply-adds; `e^r = 1 + r + r^2 P(r)` with the degree-5 minimax `P` of Cephes `expf`
  /// (S. L. Moshier, Cephes Math Library, `expf.c`); `2^n` applied as two exact power-of-two
  /// factors built in the exponent field.
  @inlinable @inline(__always)
  public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    typealias I = SIMD8<Int32>
    let upper: Float = 88.72283935546875
    let lower: Float = -87.33654022216797
    // Clamp with compare-and-blend (the generic pointwiseMin/Max are not inlined).
    var clamped = x
    clamped.replace(with: V(repeating: lower), where: x .< V(repeating: lower))
    clamped.replace(with: V(repeating: upper), where: x .> V(repeating: upper))
    // n = round(x / ln2) by the 1.5 * 2^23 shifter: the sum rounds to an integer, which then
    // sits in the low bits of its bit pattern (no float-to-int conversion needed).
    let shifter: Float = 12_582_912
    let shifted = V(repeating: shifter).addingProduct(clamped, V(repeating: 1.44269504088896341))
    let n = shifted - V(repeating: shifter)
    let whole = unsafeBitCast(shifted, to: I.self) &- I(repeating: 0x4B40_0000)
    // r = x - n ln2, ln2 = 0.693359375 - 2.12194440e-4 (the first part has 9 significant bits,
    // so n * 0.693359375 is exact for |n| <= 128).
    var r = clamped.addingProduct(n, V(repeating: -0.693359375))
    r = r.addingProduct(n, V(repeating: 2.12194440e-4))
    var p = V(repeating: 1.9875691500e-4)
    p = V(repeating: 1.3981999507e-3).addingProduct(p, r)
    p = V(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = V(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = V(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = V(repeating: 5.0000001201e-1).addingProduct(p, r)
    var y = r.addingProduct(p, r * r) + 1
    // 2^n = 2^half * 2^(n - half), both factors normal for n in [-126, 128].
    let half = whole &>> 1
    let rest = whole &- half
    let scaleHalf = unsafeBitCast((half &+ 127) &<< 23, to: V.self)
    let scaleRest = unsafeBitCast((rest &+ 127) &<< 23, to: V.self)
    y = y * scaleHalf * scaleRest
    y.replace(with: V(repeating: .infinity), where: x .> V(repeating: upper))
    y.replace(with: V(), where: x .< V(repeating: lower))
    y.replace(with: x, where: x .!= x)
    return y
  }
}
