/// A binary heap whose top is the element that `comesFirst` orders before all others.
struct BinaryHeap<Element> {
    private var elements: [Element]
    private let comesFirst: (Element, Element) -> Bool

    init(_ elements: [Element] = [], comesFirst: @escaping (Element, Element) -> Bool) {
        self.elements = elements
        self.comesFirst = comesFirst
        for i in stride(from: elements.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    mutating func push(_ element: Element) {
        elements.append(element)
        var i = elements.count - 1
        while i > 0, comesFirst(elements[i], elements[(i - 1) / 2]) {
            elements.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        siftDown(0)
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < elements.count, comesFirst(elements[l], elements[best]) { best = l }
            if r < elements.count, comesFirst(elements[r], elements[best]) { best = r }
            if best == i { return }
            elements.swapAt(i, best)
            i = best
        }
    }
}
