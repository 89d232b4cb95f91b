import Foundation
import Harness

/// A plot axis: the data range it maps, linear or logarithmic, and its ticks at round numbers
/// (1, 2, 5 times a power of ten; powers of ten on a log axis).
struct PlotScale {
  let lower: Double
  let upper: Double
  let logarithmic: Bool
  let ticks: [Double]

  /// Fits a scale to `values` (non-finite values ignored). `logarithmic`: `nil` chooses a log
  /// scale when every value is positive and they span more than a factor of 100.
  static func fit(_ values: [Double], logarithmic: Bool? = nil) -> PlotScale {
    let finite = values.filter { $0.isFinite }
    guard var low = finite.min(), var high = finite.max() else {
      return PlotScale(lower: 0, upper: 1, logarithmic: false, ticks: [0, 0.5, 1])
    }
    let positive = low > 0
    let useLog = (logarithmic ?? (positive && high / low > 100)) && positive
    if useLog {
      let lowerExponent = Int(log10(low).rounded(.down))
      var upperExponent = Int(log10(high).rounded(.up))
      if upperExponent == lowerExponent { upperExponent += 1 }
      let span = upperExponent - lowerExponent
      let stride = max(1, (span + 7) / 8)
      let ticks = Swift.stride(from: lowerExponent, through: upperExponent, by: stride).map {
        pow(10.0, Double($0))
      }
      return PlotScale(
        lower: pow(10.0, Double(lowerExponent)), upper: pow(10.0, Double(upperExponent)),
        logarithmic: true,
        ticks: ticks)
    }
    if low == high {
      let pad = low == 0 ? 1 : abs(low) * 0.1
      low -= pad
      high += pad
    }
    let rough = (high - low) / 5
    let magnitude = pow(10.0, log10(rough).rounded(.down))
    let residual = rough / magnitude
    let step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude
    let first = (low / step).rounded(.down)
    let last = (high / step).rounded(.up)
    var ticks: [Double] = []
    var index = first
    while index <= last + 0.5 {
      // Multiplying the integer index keeps ticks free of accumulated round-off.
      let tick = index * step
      ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
      index += 1
    }
    return PlotScale(lower: first * step, upper: last * step, logarithmic: false, ticks: ticks)
  }

  /// Where `value` falls between pixel positions `start` (at `lower`) and `end` (at `upper`);
  /// `nil` for values the axis cannot show.
  func position(_ value: Double, from start: Double, to end: Double) -> Double? {
    guard value.isFinite else { return nil }
    let fraction: Double
    if logarithmic {
      guard value > 0 else { return nil }
      fraction = (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
    } else {
      fraction = (value - lower) / (upper - lower)
    }
    return start + fraction * (end - start)
  }

  /// A tick's label, one notation on every axis: whole numbers below a million in full
  /// (`10000`), powers of ten outside 1e-3...1e4 on logarithmic axes as `1e5`, anything else in
  /// 4 significant digits with a bare exponent (`2.5e-5`, never `2.5e-05` or `1e+04`).
  func label(_ tick: Double) -> String {
    if logarithmic {
      let exponent = Int(log10(tick).rounded())
      if !(-3...4).contains(exponent) { return "1e\(exponent)" }
    }
    return PlotScale.tickText(tick)
  }

  /// `value` as a tick label (see `label`).
  static func tickText(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
    let text = DisplayNumber.format(value, digits: 4)
    guard let e = text.firstIndex(of: "e") else { return text }
    var exponent = text[text.index(after: e)...]
    var sign = ""
    if exponent.first == "+" || exponent.first == "-" {
      sign = exponent.first == "-" ? "-" : ""
      exponent = exponent.dropFirst()
    }
    let digits = exponent.drop(while: { $0 == "0" })
    return text[..<e] + "e" + sign + (digits.isEmpty ? "0" : digits)
  }
}
