/// 2x2 average pooling and 2x nearest upsampling on NCHW tensors, each with its adjoint.
public enum Resampling {
  /// `y[b, c, i, j] = mean of x[b, c, 2i..2i+1, 2j..2j+1]`.
  ///
  /// - Parameter x: `[batch, channels, height, width]`, height and width even.
  /// - Returns: `[batch, channels, height/2, width/2]`.
  public static func averagePool2x2(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4 && x.shape[2] % 2 == 0 && x.shape[3] % 2 == 0,
      "averagePool2x2: needs [batch, channels, even height, even width], got \(x.shape)")
    let (n, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (h / 2, w / 2)
    return Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
      x.scalars.withUnsafeBufferPointer { p in
        for plane in 0..<n {
          let source = p.baseAddress! + plane * h * w
          for i in 0..<oh {
            for j in 0..<ow {
              let s = source[2 * i * w + 2 * j] + source[2 * i * w + 2 * j + 1]
                + source[(2 * i + 1) * w + 2 * j] + source[(2 * i + 1) * w + 2 * j + 1]
              out[plane * oh * ow + i * ow + j] = 0.25 * s
            }
          }
        }
      }
    }
  }

  /// The adjoint of `averagePool2x2`: each upstream value spread as a quarter over its 2x2 block.
  public static func averagePool2x2Backward(_ upstream: Tensor, inputShape: [Int]) -> Tensor {
    let (h, w) = (inputShape[2], inputShape[3])
    precondition(upstream.shape == [inputShape[0], inputShape[1], h / 2, w / 2],
      "averagePool2x2Backward: upstream \(upstream.shape) does not match input \(inputShape)")
    let (oh, ow) = (h / 2, w / 2)
    return Tensor(shape: inputShape) { out in
      upstream.scalars.withUnsafeBufferPointer { g in
        for plane in 0..<(inputShape[0] * inputShape[1]) {
          for y in 0..<h {
            for x in 0..<w {
              out[plane * h * w + y * w + x] = 0.25 * g[plane * oh * ow + (y / 2) * ow + x / 2]
            }
          }
        }
      }
    }
  }

  /// Nearest-neighbour 2x upsampling: `y[b, c, i, j] = x[b, c, i/2, j/2]`.
  public static func upsampleNearest2x(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "upsampleNearest2x: needs [batch, channels, height, width], got \(x.shape)")
    let (h, w) = (x.shape[2], x.shape[3])
    let (oh, ow) = (2 * h, 2 * w)
    return Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
      x.scalars.withUnsafeBufferPointer { p in
        for plane in 0..<(x.shape[0] * x.shape[1]) {
          for y in 0..<oh {
            for xx in 0..<ow {
              out[plane * oh * ow + y * ow + xx] = p[plane * h * w + (y / 2) * w + xx / 2]
            }
          }
        }
      }
    }
  }

  /// The adjoint of `upsampleNearest2x`: the sum of each 2x2 block, in row-major order.
  public static func upsampleNearest2xBackward(_ upstream: Tensor) -> Tensor {
    precondition(upstream.rank == 4 && upstream.shape[2] % 2 == 0 && upstream.shape[3] % 2 == 0,
      "upsampleNearest2xBackward: upstream \(upstream.shape) must have even height and width")
    let (h, w) = (upstream.shape[2], upstream.shape[3])
    let (oh, ow) = (h / 2, w / 2)
    return Tensor(shape: [upstream.shape[0], upstream.shape[1], oh, ow]) { out in
      upstream.scalars.withUnsafeBufferPointer { g in
        for plane in 0..<(upstream.shape[0] * upstream.shape[1]) {
          let source = g.baseAddress! + plane * h * w
          for i in 0..<oh {
            for j in 0..<ow {
              out[plane * oh * ow + i * ow + j] = source[2 * i * w + 2 * j] + source[2 * i * w + 2 * j + 1]
                + source[(2 * i + 1) * w + 2 * j] + source[(2 * i + 1) * w + 2 * j + 1]
            }
          }
        }
      }
    }
  }
}
