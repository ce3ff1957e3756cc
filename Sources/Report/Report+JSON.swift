import JSON

extension Report {
    /// The report as JSON (`schemas/report.schema.json`, draft 2020-12): keys sorted and in
    /// snake_case, two-space indentation, raw integers, ratios with 4 decimals, trailing newline.
    /// Decodes back with a `JSONDecoder` using `.convertFromSnakeCase`.
    public func json() -> String {
        // Encoding plain structs, enums, strings and numbers cannot fail; non-finite ratios print as null.
        guard let value = try? JSONValueEncoder(keys: JSONKeyCase.snakeCasePerCapital, allowingNonFinite: true).encode(self),
              let text = try? JSONWriter.string(value, style: Self.jsonStyle) else { return "{}\n" }
        return text + "\n"
    }

    /// Sorted keys, two-space indentation, `"key": value`, every non-integer with exactly 4
    /// decimals and no exponent (`NumberFormat.fixed`), independent of Foundation's formatting.
    static let jsonStyle = JSONWriter.Style(sortedKeys: true, indent: "  ", double: { d in
        d.isFinite ? NumberFormat.fixed(d, 4, minusSign: "-") : "null"
    })
}
