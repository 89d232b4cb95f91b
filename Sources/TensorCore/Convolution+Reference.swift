/// The naive convolution loops: the specification the fast path (`Convolution.forward`,
/// `Convolution.backward`) equals bit for bit. Slow; for tests.
extension Convolution {
  /// `y[b, o, y, x]` as the chain `s = fma(w[o, c, ky, kx], x[b, c, y + ky - pad, x + kx - pad], s)`
  /// over `(c, ky, kx)` in increasing order from `s = 0`, out-of-image pixels read as zero.
  ///
  /// - Parameters: `input: [batch, inChannels, height, width]`, `weight: [outChannels, inChannels, k, k]`.
  /// - Returns: `[batch, outChannels, height, width]`.
  public static func referenceForward(_ input: Tensor, weight: Tensor) -> Tensor {
    checkShapes(input.shape, weight.shape, function: "Convolution.referenceForward")
    let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outChannels = weight.shape[0]
    let k = weight.shape[2]
    var out = [Float](repeating: 0, count: batch * outChannels * height * width)
    for b in 0..<batch {
      for o in 0..<outChannels {
        for y in 0..<height {
          for x in 0..<width {
            var sum: Float = 0
            for c in 0..<channels {
              for ky in 0..<k {
                for kx in 0..<k {
                  let value = paddedPixel(input, b, c, y + ky - padding(k), x + kx - padding(k))
                  sum = sum.addingProduct(weight.scalars[((o * channels + c) * k + ky) * k + kx], value)
                }
              }
            }
            out[((b * outChannels + o) * height + y) * width + x] = sum
          }
        }
      }
    }
    return Tensor(shape: [batch, outChannels, height, width], scalars: out)
  }

  /// The gradients of `referenceForward`.
  ///
  /// - Input: `dcol[b, (c, ky, kx), s] = fma` chain over `o` of `w[o, c, ky, kx] dY[b, o, s]` from
  ///   zero. With k = 1 the input gradient is `dcol`; with k = 3 each input pixel starts from zero
  ///   and adds its terms `dcol[b, (c, ky, kx), (y - ky + pad, x - kx + pad)]` in increasing
  ///   `(ky, kx)` (those whose output pixel lies inside the image).
  /// - Weight: the batch is split into `weightGradientGroups(batch:)` groups of consecutive images
  ///   (sizes differing by at most one, larger first); in each group `dW[o, c, ky, kx]` is the
  ///   chain over its images `b` and pixels `s` of `fma(dY[b, o, s], x_padded[b, c, s + (ky, kx) - pad])`
  ///   from zero; the result starts from zero and adds the groups' results in order.
  public static func referenceBackward(
    _ input: Tensor, weight: Tensor, upstream: Tensor
  ) -> (input: Tensor, weight: Tensor) {
    checkShapes(input.shape, weight.shape, function: "Convolution.referenceBackward")
    let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let outChannels = weight.shape[0]
    let k = weight.shape[2]
    let pad = padding(k)
    let plane = height * width
    precondition(upstream.shape == [batch, outChannels, height, width],
      "Convolution.referenceBackward: upstream \(upstream.shape) does not match output [\(batch), \(outChannels), \(height), \(width)]")
    func dcol(_ b: Int, _ c: Int, _ ky: Int, _ kx: Int, _ y: Int, _ x: Int) -> Float {
      var sum: Float = 0
      for o in 0..<outChannels {
        sum = sum.addingProduct(
          weight.scalars[((o * channels + c) * k + ky) * k + kx],
          upstream.scalars[((b * outChannels + o) * height + y) * width + x])
      }
      return sum
    }
    var inputGradient = [Float](repeating: 0, count: input.count)
    for b in 0..<batch {
      for c in 0..<channels {
        for sy in 0..<height {
          for sx in 0..<width {
            let index = ((b * channels + c) * height + sy) * width + sx
            if k == 1 {
              inputGradient[index] = dcol(b, c, 0, 0, sy, sx)
              continue
            }
            var sum: Float = 0
            for ky in 0..<k {
              for kx in 0..<k {
                let (y, x) = (sy - ky + pad, sx - kx + pad)
                if y >= 0 && y < height && x >= 0 && x < width { sum += dcol(b, c, ky, kx, y, x) }
              }
            }
            inputGradient[index] = sum
          }
        }
      }
    }
    let groups = split(batch, into: weightGradientGroups(batch: batch))
    var weightGradient = [Float](repeating: 0, count: weight.count)
    for group in groups {
      for o in 0..<outChannels {
        for c in 0..<channels {
          for ky in 0..<k {
            for kx in 0..<k {
              var sum: Float = 0
              for b in group {
                for s in 0..<plane {
                  let (y, x) = (s / width, s % width)
                  sum = sum.addingProduct(
                    upstream.scalars[(b * outChannels + o) * plane + s],
                    paddedPixel(input, b, c, y + ky - pad, x + kx - pad))
                }
              }
              weightGradient[((o * channels + c) * k + ky) * k + kx] += sum
            }
          }
        }
      }
    }
    return (Tensor(shape: input.shape, scalars: inputGradient), Tensor(shape: weight.shape, scalars: weightGradient))
  }

  /// `x[b, c, y, x]`, or zero outside the image.
  static func paddedPixel(_ input: Tensor, _ b: Int, _ c: Int, _ y: Int, _ x: Int) -> Float {
    let (channels, height, width) = (input.shape[1], input.shape[2], input.shape[3])
    guard y >= 0 && y < height && x >= 0 && x < width else { return 0 }
    return input.scalars[((b * channels + c) * height + y) * width + x]
  }
}
