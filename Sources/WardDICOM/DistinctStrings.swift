/// Distinct strings in first-seen order, at most `limit` of them (UIDs of an A-ASSOCIATE, which proposes each
/// transfer syntax once per presentation context).
///
/// A few values are compared directly (equal UIDs from one PDU usually share storage, so most comparisons are a
/// pointer check); hashing starts only past `linearLimit` values, where a set pays off.
struct DistinctStrings {
    private(set) var values: [String] = []
    private var seen: Set<String> = []
    let limit: Int
    private static let linearLimit = 16

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ value: String) {
        guard values.count < limit else { return }
        if values.count < Self.linearLimit {
            if values.contains(value) { return }
            values.append(value)
            if values.count == Self.linearLimit { seen = Set(values) }
            return
        }
        guard seen.insert(value).inserted else { return }
        values.append(value)
    }
}
