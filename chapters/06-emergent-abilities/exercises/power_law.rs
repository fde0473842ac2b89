//! Exercise 6.1: fitting a power law (Kaplan et al., 2020).
//!
//! Goal: scaling laws say that a model's loss falls as a power of its size, `L = a · Nᵏ` with `k < 0`: a
//! straight line on log–log axes. Fit that line to measured points. Once it passes, your fit equals the one
//! that drew the chapter's scaling charts (`eval::fit_power_law`).
//! Formula: leave out points with `x ≤ 0` or `y ≤ 0`; with `X = ln x`, `Y = ln y` and their means `X̄`, `Ȳ`,
//! least squares gives `k = Σ(X − X̄)(Y − Ȳ) / Σ(X − X̄)²` and `ln a = Ȳ − k X̄`. `None` with fewer than two
//! usable points or when all `x` are equal (no line fits).
//! Read: "Scaling laws" (book/src/ch06-scaling.md), Listing 6.9.
//! Check: `jielong exercises check 6.1` (add `--hint` for a hint).
//!
//! 练习 6.1：拟合幂律（Kaplan 等，2020）。
//! 目标：缩放定律说，模型的损失随规模按幂次下降，`L = a · Nᵏ`，`k < 0`：在双对数坐标上是一条直线。请把这条
//! 直线拟合到测得的点上。通过之后，你的拟合与画出本章缩放图的那个（`eval::fit_power_law`）相同。
//! 公式：去掉 `x ≤ 0` 或 `y ≤ 0` 的点；令 `X = ln x`，`Y = ln y`，均值为 `X̄`、`Ȳ`，最小二乘给出
//! `k = Σ(X − X̄)(Y − Ȳ) / Σ(X − X̄)²`，`ln a = Ȳ − k X̄`。可用的点少于两个，或所有 `x` 都相等（拟合不出直线）
//! 时返回 `None`。
//! 阅读：《缩放定律》（book/src/ch06-scaling.md），代码清单 6.9。
//! 检查：`jielong exercises check 6.1`（加 `--hint` 可看提示）。

/// The scale `a` and exponent `k` of `y = a · xᵏ` fitted to `points` `(x, y)` by least squares on the
/// logarithms, or `None` when no line fits.
pub fn fit_power_law(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let _ = points;
    todo!("exercise 6.1")
}
