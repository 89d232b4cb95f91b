import CanonicalJSON
import Foundation

/// Numbers for people (tables, reasons): a fixed number of significant digits, C-locale
/// formatting, `inf`/`-inf`/`nan` for non-finite values. The same number always gives the same
/// text, on every machine.
public enum DisplayNumber {
  /// `value` with `digits` significant digits (`%.{digits}g`): `0.1235`, `1.235e+06`, `12`.
  public static func format(_ value: Double, digits: Int = 4) -> String {
    guard value.isFinite else { return JSONValue.numberText(value) }
    if value == 0 { return "0" }
    return String(format: "%.\(digits)g", value)
  }

  /// A factor (a speed-up) in two significant digits, but whole factors from 100 to a million in
  /// full: `1.8`, `32`, `160` (never `1.6e+02`).
  public static func factor(_ value: Double) -> String {
    // From 99.5 on, %.2g would print 1e+02.
    value.isFinite && abs(value) >= 99.5 && abs(value) < 1e6 ? String(Int(value.rounded())) : format(value, digits: 2)
  }

  /// `value` with exactly `decimals` digits after the point (`%.{decimals}f`).
  public static func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return JSONValue.numberText(value) }
    let text = String(format: "%.\(decimals)f", value)
    // -0.00 reads as a sign where there is none.
    if text.hasPrefix("-"), Double(text) == 0 { return String(text.dropFirst()) }
    return text
  }
}
