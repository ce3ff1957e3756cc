extension Duration {
    /// The duration in seconds, as a Double (wall times in logs, benchmarks and profiles).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
