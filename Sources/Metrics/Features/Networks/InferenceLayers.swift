import TensorCore

/// One image's activations, channel-major: `values[(c * height + y) * width + x]`.
///
/// The pretrained feature networks (`EfficientNetLite0`, `InceptionV3FID`) run one image at a
/// time on one thread (the batch is split over `ComputeThreads` by image), so nothing in these
/// layers depends on the thread count or on how images are batched.
struct FeatureMap {
  var channels: Int
  var height: Int
  var width: Int
  var values: [Float]

  init(channels: Int, height: Int, width: Int, values: [Float]) {
    precondition(
      values.count == channels * height * width,
      "FeatureMap: \(values.count) values for [\(channels), \(height), \(width)]")
    (self.channels, self.height, self.width, self.values) = (channels, height, width, values)
  }

  var plane: Int { height * width }

  /// Channel concatenation (torch.cat(dim=1) of one image).
  static func concatenate(_ parts: [FeatureMap]) -> FeatureMap {
    precondition(
      parts.allSatisfy { $0.height == parts[0].height && $0.width == parts[0].width },
      "FeatureMap.concatenate: spatial sizes differ: \(parts.map { [$0.channels, $0.height, $0.width] })")
    var values = [Float]()
    values.reserveCapacity(parts.reduce(0) { $0 + $1.values.count })
    for part in parts { values += part.values }
    return FeatureMap(
      channels: parts.reduce(0) { $0 + $1.channels }, height: parts[0].height, width: parts[0].width,
      values: values)
  }

  /// The per-channel mean over all positions (adaptive average pooling to 1x1), summed in Double.
  func globalAverage() -> [Float] {
    values.withUnsafeBufferPointer { p in
      (0..<channels).map { c in
        var sum = 0.0
        for i in (c * plane)..<((c + 1) * plane) { sum += Double(p[i]) }
        return Float(sum / Double(plane))
      }
    }
  }
}

/// The nonlinearity applied after a convolution's bias.
enum Activation {
  case none, relu, relu6

  @inline(__always)
  func apply(_ x: Float) -> Float {
    switch self {
    case .none: return x
    case .relu: return max(x, 0)
    case .relu6: return min(max(x, 0), 6)
    }
  }
}

/// How a convolution or pooling pads its input.
enum Padding {
  /// PyTorch's symmetric zero padding (`padding=(top, left)`); output `(H + 2 p - k) / s + 1`.
  case symmetric(Int, Int)
  /// TensorFlow's "SAME" (EfficientNet's `Conv2dStaticSamePadding`): output `ceil(H / s)`,
  /// total padding `max((out - 1) s + k - H, 0)`, the smaller half before.
  case tensorFlowSame

  /// `(output size, padding before)` along one axis of `size` for kernel `k`, stride `s`.
  func along(size: Int, kernel k: Int, stride s: Int, axis: Int) -> (Int, Int) {
    switch self {
    case .symmetric(let top, let left):
      let p = axis == 0 ? top : left
      return ((size + 2 * p - k) / s + 1, p)
    case .tensorFlowSame:
      let out = (size + s - 1) / s
      return (out, max((out - 1) * s + k - size, 0) / 2)
    }
  }
}

/// A 2-D convolution with its (folded BatchNorm) bias: `y[o] = act(b[o] + sum W[o] * x)`
/// (cross-correlation, as torch.nn.Conv2d), full (groups = 1) or depthwise (groups = channels).
///
/// Full convolutions are an im2col matrix `[C kh kw, OH OW]` times the weight `[O, C kh kw]`
/// through `Gemm.multiply` (serial; every output is one FMA chain over `(c, ky, kx)`), then the
/// bias and the activation. Depthwise convolutions are direct loops: each output is the chain of
/// products in `(ky, kx)` order, then the bias.
struct ConvolutionLayer {
  let name: String
  let outChannels: Int
  let inChannels: Int
  let kernelHeight: Int
  let kernelWidth: Int
  let stride: Int
  let padding: Padding
  let depthwise: Bool
  /// `[out, depthwise ? 1 : in, kh, kw]`.
  let weight: [Float]
  /// `[out]`.
  let bias: [Float]

  var depth: Int { (depthwise ? 1 : inChannels) * kernelHeight * kernelWidth }

  func callAsFunction(_ x: FeatureMap, _ activation: Activation) -> FeatureMap {
    precondition(
      x.channels == inChannels,
      "\(name): expects \(inChannels) input channels, got [\(x.channels), \(x.height), \(x.width)]")
    let (oh, top) = padding.along(size: x.height, kernel: kernelHeight, stride: stride, axis: 0)
    let (ow, left) = padding.along(size: x.width, kernel: kernelWidth, stride: stride, axis: 1)
    precondition(oh >= 1 && ow >= 1, "\(name): input [\(x.channels), \(x.height), \(x.width)] is too small")
    var out = [Float](repeating: 0, count: outChannels * oh * ow)
    if depthwise {
      depthwiseForward(x, oh: oh, ow: ow, top: top, left: left, into: &out)
    } else {
      fullForward(x, oh: oh, ow: ow, top: top, left: left, into: &out)
    }
    let plane = oh * ow
    out.withUnsafeMutableBufferPointer { y in
      // One loop per activation, so that each vectorises.
      for o in 0..<outChannels {
        let b = bias[o]
        let values = y.baseAddress! + o * plane
        switch activation {
        case .none: for i in 0..<plane { values[i] = values[i] + b }
        case .relu: for i in 0..<plane { values[i] = max(values[i] + b, 0) }
        case .relu6: for i in 0..<plane { values[i] = min(max(values[i] + b, 0), 6) }
        }
      }
    }
    return FeatureMap(channels: outChannels, height: oh, width: ow, values: out)
  }

  private func fullForward(
    _ x: FeatureMap, oh: Int, ow: Int, top: Int, left: Int, into out: inout [Float]
  ) {
    let n = oh * ow
    let direct = kernelHeight == 1 && kernelWidth == 1 && stride == 1 && top == 0 && left == 0
    let columns: [Float] = direct ? x.values : im2col(x, oh: oh, ow: ow, top: top, left: left)
    weight.withUnsafeBufferPointer { w in
      columns.withUnsafeBufferPointer { col in
        out.withUnsafeMutableBufferPointer { y in
          Gemm.multiply(
            m: outChannels, n: n, k: depth, a: MatrixOperand(w.baseAddress!, leadingDimension: depth),
            b: MatrixOperand(col.baseAddress!, leadingDimension: n), c: y.baseAddress!, ldc: n,
            accumulate: false, parallel: false)
        }
      }
    }
  }

  /// `[C kh kw, OH OW]`, row `(c, ky, kx)`, zeros where the window leaves the image.
  private func im2col(_ x: FeatureMap, oh: Int, ow: Int, top: Int, left: Int) -> [Float] {
    let (h, w, n) = (x.height, x.width, oh * ow)
    var col = [Float](repeating: 0, count: depth * n)
    x.values.withUnsafeBufferPointer { p in
      col.withUnsafeMutableBufferPointer { q in
        var row = 0
        for c in 0..<inChannels {
          for ky in 0..<kernelHeight {
            for kx in 0..<kernelWidth {
              let target = q.baseAddress! + row * n
              for oy in 0..<oh {
                let iy = oy * stride + ky - top
                if iy < 0 || iy >= h { continue }
                let source = p.baseAddress! + (c * h + iy) * w
                let line = target + oy * ow
                if stride == 1 {
                  let first = max(0, left - kx)
                  let last = min(ow, w + left - kx)
                  if first < last {
                    (line + first).update(from: source + first + kx - left, count: last - first)
                  }
                } else {
                  for ox in 0..<ow {
                    let ix = ox * stride + kx - left
                    if ix >= 0 && ix < w { line[ox] = source[ix] }
                  }
                }
              }
              row += 1
            }
          }
        }
      }
    }
    return col
  }

  /// Each channel is copied once into a zero-bordered plane split by column phase (`stride`
  /// planes; padded column `c` goes to plane `c % stride`, column `c / stride`), so that every tap
  /// reads eight consecutive outputs' inputs contiguously. Every output is the FMA chain over
  /// `(ky, kx)` from zero (taps on the border add `tap * 0`, which changes nothing); rows are
  /// computed eight outputs at a time, the lanes past the row's end discarded.
  private func depthwiseForward(
    _ x: FeatureMap, oh: Int, ow: Int, top: Int, left: Int, into out: inout [Float]
  ) {
    let (h, w) = (x.height, x.width)
    let (kh, kw, s) = (kernelHeight, kernelWidth, stride)
    let (ph, pw) = ((oh - 1) * s + kh, (ow - 1) * s + kw)
    // Row pitch of a phase plane: its columns plus slack for the last block of eight.
    let pitch = (pw + s - 1) / s + 8
    let rows = 0..<max(0, min(h, ph - top))
    let columns = 0..<max(0, min(w, pw - left))
    var planes = [Float](repeating: 0, count: s * ph * pitch)
    // Where tap (ky, kx) reads for output (0, 0), relative to the planes' start.
    let tapCount = kh * kw
    let offsets = (0..<tapCount).map { t in ((t % kw % s) * ph + t / kw) * pitch + t % kw / s }
    x.values.withUnsafeBufferPointer { p in
      weight.withUnsafeBufferPointer { wp in
        planes.withUnsafeMutableBufferPointer { q in
          out.withUnsafeMutableBufferPointer { y in
            let base = q.baseAddress!
            for c in 0..<inChannels {
              let image = p.baseAddress! + c * h * w
              for iy in rows {
                let source = image + iy * w
                if s == 1 {
                  (base + (iy + top) * pitch + left).update(from: source, count: columns.count)
                  continue
                }
                // Even and odd padded columns (s = 2: shifts; other strides divide).
                for ix in columns {
                  let px = ix + left
                  let (column, phase) = s == 2 ? (px >> 1, px & 1) : (px / s, px % s)
                  base[(phase * ph + iy + top) * pitch + column] = source[ix]
                }
              }
              let taps = wp.baseAddress! + c * kh * kw
              let output = y.baseAddress! + c * oh * ow
              for oy in 0..<oh {
                let line = output + oy * ow
                let row = base + oy * s * pitch
                var ox = 0
                // Four blocks of eight at once: four independent chains hide the FMA latency.
                while ox + 32 <= ow {
                  var (a, b, c, d) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                  for t in 0..<tapCount {
                    let tap = SIMD8<Float>(repeating: taps[t])
                    let source = UnsafeRawPointer(row + offsets[t] + ox)
                    a = a.addingProduct(tap, source.loadUnaligned(as: SIMD8<Float>.self))
                    b = b.addingProduct(tap, source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                    c = c.addingProduct(tap, source.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                    d = d.addingProduct(tap, source.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                  }
                  let target = UnsafeMutableRawPointer(line + ox)
                  target.storeBytes(of: a, as: SIMD8<Float>.self)
                  target.storeBytes(of: b, toByteOffset: 32, as: SIMD8<Float>.self)
                  target.storeBytes(of: c, toByteOffset: 64, as: SIMD8<Float>.self)
                  target.storeBytes(of: d, toByteOffset: 96, as: SIMD8<Float>.self)
                  ox += 32
                }
                while ox < ow {
                  var sum = SIMD8<Float>()
                  for t in 0..<tapCount {
                    let source = UnsafeRawPointer(row + offsets[t] + ox)
                    sum = sum.addingProduct(SIMD8(repeating: taps[t]), source.loadUnaligned(as: SIMD8<Float>.self))
                  }
                  let lanes = min(8, ow - ox)
                  if lanes == 8 {
                    UnsafeMutableRawPointer(line + ox).storeBytes(of: sum, as: SIMD8<Float>.self)
                  } else {
                    for lane in 0..<lanes { line[ox + lane] = sum[lane] }
                  }
                  ox += 8
                }
              }
            }
          }
        }
      }
    }
  }
}

/// Pooling over `kernel x kernel` windows.
enum Pooling {
  /// Max pooling with implicit -infinity padding `padding` (torch.nn.MaxPool2d, floor mode).
  static func max(_ x: FeatureMap, kernel k: Int, stride s: Int, padding p: Int = 0) -> FeatureMap {
    let oh = (x.height + 2 * p - k) / s + 1
    let ow = (x.width + 2 * p - k) / s + 1
    precondition(oh >= 1 && ow >= 1, "Pooling.max: input [\(x.channels), \(x.height), \(x.width)] smaller than kernel \(k)")
    var out = [Float](repeating: 0, count: x.channels * oh * ow)
    x.values.withUnsafeBufferPointer { v in
      for c in 0..<x.channels {
        for oy in 0..<oh {
          for ox in 0..<ow {
            var best = -Float.infinity
            for ky in 0..<k {
              let iy = oy * s + ky - p
              if iy < 0 || iy >= x.height { continue }
              for kx in 0..<k {
                let ix = ox * s + kx - p
                if ix < 0 || ix >= x.width { continue }
                best = Swift.max(best, v[(c * x.height + iy) * x.width + ix])
              }
            }
            out[(c * oh + oy) * ow + ox] = best
          }
        }
      }
    }
    return FeatureMap(channels: x.channels, height: oh, width: ow, values: out)
  }

  /// 3x3 average pooling, stride 1, padding 1, dividing by the number of positions inside the
  /// image (torch `F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)`, as pytorch-fid's
  /// FID Inception blocks use it). Sums in `(ky, kx)` order.
  static func average3x3(_ x: FeatureMap) -> FeatureMap {
    let (h, w) = (x.height, x.width)
    var out = [Float](repeating: 0, count: x.values.count)
    x.values.withUnsafeBufferPointer { v in
      for c in 0..<x.channels {
        for oy in 0..<h {
          for ox in 0..<w {
            var sum: Float = 0
            var count = 0
            for iy in Swift.max(0, oy - 1)...Swift.min(h - 1, oy + 1) {
              for ix in Swift.max(0, ox - 1)...Swift.min(w - 1, ox + 1) {
                sum += v[(c * h + iy) * w + ix]
                count += 1
              }
            }
            out[(c * h + oy) * w + ox] = sum / Float(count)
          }
        }
      }
    }
    return FeatureMap(channels: x.channels, height: h, width: w, values: out)
  }
}

/// Bilinear resizing with `align_corners=False`, as `torch.nn.functional.interpolate(x, size,
/// mode="bilinear", align_corners=False)` (no antialiasing): output pixel `d` samples the input at
/// `src = max(0, (d + 0.5) * in / out - 0.5)` between `i0 = floor(src)` and
/// `i1 = min(i0 + 1, in - 1)` with weights `1 - l`, `l`, `l = src - i0`, in Float, rows then
/// columns: `y = (1 - ly) ((1 - lx) x00 + lx x01) + ly ((1 - lx) x10 + lx x11)`.
public enum BilinearResize {
  /// Resizes every plane of `images: [N, C, H, W]` to `[N, C, height, width]`.
  public static func resize(_ images: Tensor, height: Int, width: Int) -> Tensor {
    precondition(
      images.rank == 4 && images.shape[2] >= 1 && images.shape[3] >= 1 && height >= 1 && width >= 1,
      "BilinearResize: needs images [N, C, H, W] and a positive size, got \(images.shape) -> \(height)x\(width)")
    let planes = images.shape[0] * images.shape[1]
    let (h, w) = (images.shape[2], images.shape[3])
    return Tensor(shape: [images.shape[0], images.shape[1], height, width]) { out in
      images.scalars.withUnsafeBufferPointer { p in
        for i in 0..<planes {
          resize(
            p.baseAddress! + i * h * w, height: h, width: w, outHeight: height, outWidth: width,
            into: out.baseAddress! + i * height * width)
        }
      }
    }
  }

  /// Source indices and weights of each output position along one axis.
  static func taps(input: Int, output: Int) -> [(Int, Int, Float, Float)] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { d in
      let source = Swift.max(0, scale * (Float(d) + 0.5) - 0.5)
      let i0 = Swift.min(Int(source), input - 1)
      let i1 = i0 + (i0 < input - 1 ? 1 : 0)
      let l1 = source - Float(i0)
      return (i0, i1, 1 - l1, l1)
    }
  }

  /// Resizes one plane `[height, width]` to `[outHeight, outWidth]`.
  static func resize(
    _ plane: UnsafePointer<Float>, height: Int, width: Int, outHeight: Int, outWidth: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    let rows = taps(input: height, output: outHeight)
    let columns = taps(input: width, output: outWidth)
    for (oy, (y0, y1, hy0, hy1)) in rows.enumerated() {
      for (ox, (x0, x1, wx0, wx1)) in columns.enumerated() {
        let top = wx0 * plane[y0 * width + x0] + wx1 * plane[y0 * width + x1]
        let bottom = wx0 * plane[y1 * width + x0] + wx1 * plane[y1 * width + x1]
        out[oy * outWidth + ox] = hy0 * top + hy1 * bottom
      }
    }
  }
}
