/// Distinct strings in order of first appearance, at most `limit`, with a hash set for the membership test (an
/// A-ASSOCIATE-RQ can propose a hundred presentation contexts: a linear search per UID was quadratic).
struct DistinctStrings {
    private(set) var values: [String] = []
    private var seen: Set<String> = []
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ value: String) {
        guard values.count < limit, seen.insert(value).inserted else { return }
        values.append(value)
    }
}
