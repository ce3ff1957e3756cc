import ModelIR
import SafeTensors
import TensorCore

extension PEFTAdapterImporter {
    /// Places every adapter key on the skeleton, collecting every problem before reporting the
    /// most fundamental kind: another base model, then keys Pare cannot merge, inconsistent keys,
    /// unknown keys, wrong ranks, dtypes.
    struct PlanBuilder {
        let directory: String
        let config: Config
        let skeleton: Skeleton
        let file: SafeTensorsFile

        private var unknown: [String] = []
        /// Keys PEFT saves that the adapted model does not read (see `build`).
        private var unused: [String] = []
        private var unsupported: [(what: String, keys: [String])] = []
        private var inconsistent: [(reason: String, keys: [String])] = []
        /// Feature-axis mismatches: the adapter has another hidden size, intermediate size or head.
        private var features: [(key: String, meaning: String, found: Int, expected: Int)] = []
        private var ranks: [AdapterError.ShapeMismatch] = []
        private var plan: Plan

        init(directory: String, config: Config, skeleton: Skeleton, file: SafeTensorsFile) {
            self.directory = directory
            self.config = config
            self.skeleton = skeleton
            self.file = file
            plan = Plan(directory: directory, weight: 1, file: file, base: skeleton.config)
        }

        mutating func build(weight: Float) throws(AdapterError) -> Plan {
            let architecture = skeleton.config.architecture
            let keys = file.entries.map(\.name)
            if let name = config.baseModelClass, let trained = PEFTAdapterImporter.architecture(ofClass: name), trained != architecture {
                throw .anotherBaseModel(directory: directory, reason: "trained on \(name), a \(trained.rawValue) model; the model is \(architecture.rawValue)",
                                        keys: keys)
            }
            var groups: [String: [Role: String]] = [:], aliases: [String: [Role: String]] = [:]
            for key in keys {
                guard key.hasPrefix(PEFTAdapterImporter.keyPrefix),
                      let split = PEFTAdapterImporter.split(String(key.dropFirst(PEFTAdapterImporter.keyPrefix.count))) else {
                    unknown.append(key)
                    continue
                }
                var module = split.module
                let role = split.role
                // With `bias: all`, PEFT also saves the insides of a modules_to_save wrapper: the
                // frozen `original_module` (the base weights) and the trained copy under a second
                // name `X.modules_to_save.<adapter>.…` (the same tensor as `X.…`).
                if let wrapper = module.range(of: ".original_module"), config.saves(String(module[..<wrapper.lowerBound])) {
                    unused.append(key)
                    continue
                }
                if let wrapper = module.range(of: ".modules_to_save."), config.saves(String(module[..<wrapper.lowerBound])) {
                    let inner = module[wrapper.upperBound...]
                    let rest = inner.firstIndex(of: ".").map { String(inner[inner.index(after: $0)...]) }
                    module = String(module[..<wrapper.lowerBound]) + (rest.map { "." + $0 } ?? "")
                    aliases[module, default: [:]][role] = key
                    continue
                }
                groups[module, default: [:]][role] = key
            }
            for (module, roles) in aliases {
                for (role, key) in roles {
                    if groups[module]?[role] == nil { groups[module, default: [:]][role] = key } else { unused.append(key) }
                }
            }
            var foreign: [String] = [], outOfRange: [String] = [], highest = -1
            var foreignArchitectures: Set<Architecture> = []
            var resolved: [(name: String, module: Module, roles: [Role: String])] = []
            for (name, roles) in groups.sorted(by: { $0.key < $1.key }) {
                guard let module = PEFTAdapterImporter.module(name, architecture) else {
                    let others = Architecture.allCases.filter { $0 != architecture && PEFTAdapterImporter.module(name, $0) != nil }
                    if others.isEmpty { unknown += roles.values } else { foreign += roles.values }
                    foreignArchitectures.formUnion(others)
                    continue
                }
                if let i = module.block, i >= skeleton.blocks.count {
                    outOfRange += roles.values
                    highest = max(highest, i)
                    continue
                }
                resolved.append((name, module, roles))
            }
            if !foreign.isEmpty {
                let other = Architecture.allCases.filter(foreignArchitectures.contains).map(\.rawValue).joined(separator: " or ")
                throw .anotherBaseModel(directory: directory, reason: "its modules are named as in a \(other) model; the model is \(architecture.rawValue)",
                                        keys: foreign.sorted())
            }
            if !outOfRange.isEmpty {
                throw .anotherBaseModel(directory: directory, reason: "it adapts layer \(highest); the model has \(skeleton.blocks.count) layers",
                                        keys: outOfRange.sorted())
            }
            for (name, module, roles) in resolved { place(name, module, roles) }
            // `bert.encoder…` and `encoder…` name the same module: one place, one key.
            var owners: [String: [[String]]] = [:]
            for u in plan.updates { owners[u.path.description, default: []].append(u.keys) }
            for r in plan.replacements { owners[r.tensor, default: []].append([r.key]) }
            let shared = owners.values.filter { $0.count > 1 }.flatMap { $0.flatMap { $0 } }
            if !shared.isEmpty { inconsistent.append(("several modules land on the same IR tensor", Set(shared).sorted())) }
            try report()
            for key in plan.updates.flatMap(\.keys) + plan.replacements.map(\.key) {
                let entry = file[key]!
                guard entry.dtype.isFloatingPoint else { throw .notFloatingPoint(key: key, dtype: entry.dtype) }
            }
            if weight != 1, !plan.replacements.isEmpty {
                throw .unsupportedSetting(path: directory, key: "weight", value: "\(weight)",
                                          supported: "1 for an adapter that replaces whole tensors (modules_to_save, bias: all or lora_only)")
            }
            plan = Plan(directory: directory, weight: weight, file: file, base: skeleton.config,
                        updates: plan.updates.sorted { $0.path < $1.path },
                        replacements: plan.replacements.sorted { $0.tensor < $1.tensor }, unused: unused.sorted())
            return plan
        }

        /// Throws the first kind of problem found, listing its keys.
        private func report() throws(AdapterError) {
            if let first = features.min(by: { $0.key < $1.key }) {
                throw .anotherBaseModel(directory: directory,
                                        reason: "\(first.found) \(first.meaning) where the model has \(first.expected)",
                                        keys: Set(features.map(\.key)).sorted())
            }
            if let first = unsupported.first {
                throw .unsupportedKeys(directory: directory, what: first.what,
                                       keys: unsupported.filter { $0.what == first.what }.flatMap(\.keys).sorted())
            }
            if let first = inconsistent.first {
                throw .inconsistent(directory: directory, reason: first.reason,
                                    keys: inconsistent.filter { $0.reason == first.reason }.flatMap(\.keys).sorted())
            }
            if !unknown.isEmpty {
                throw .unknownKeys(directory: directory, architecture: skeleton.config.architecture.rawValue, keys: unknown.sorted())
            }
            if !ranks.isEmpty { throw .wrongShapes(directory: directory, ranks.sorted { $0.key < $1.key }) }
        }

        /// (in, out, has bias) of a linear or of the fused q|k|v.
        private func geometry(_ module: Module) -> (in: Int, out: Int, parts: [(LayerPath, Range<Int>)], bias: Bool)? {
            switch module {
            case let .linear(path, _):
                guard let l = skeleton.linear(at: path) else { return nil }
                return (l.inFeatures, l.outFeatures, [(path, 0..<l.outFeatures)], l.bias != nil)
            case let .fusedQKV(i):
                let a = skeleton.blocks[i].attention
                var parts: [(LayerPath, Range<Int>)] = [], start = 0
                for (name, l) in [("q", a.q), ("k", a.k), ("v", a.v)] {
                    parts.append((.block(i, "attention.\(name)"), start..<(start + l.outFeatures)))
                    start += l.outFeatures
                }
                return (a.q.inFeatures, start, parts, [a.q, a.k, a.v].allSatisfy { $0.bias != nil })
            case .norm, .embedding:
                return nil
            }
        }

        /// Places one module's keys, or records why they cannot be placed.
        private mutating func place(_ name: String, _ module: Module, _ roles: [Role: String]) {
            let keys = roles.values.sorted()
            if roles[.embeddingA] != nil || roles[.embeddingB] != nil {
                unsupported.append(("LoRA on embeddings (lora_embedding_A/B)", keys))
                return
            }
            let lora = [Role.loraA, .loraB, .loraBias, .magnitude].compactMap { roles[$0] }
            let d = skeleton.config.hiddenSize
            switch module {
            case .norm(let prefix):
                guard lora.isEmpty else { return unsupported.append(("LoRA on a LayerNorm", lora)) }
                for role in [Role.weight, .bias, .baseBias] {
                    guard let key = roles[role] else { continue }
                    guard explained(name, role) else { unknown.append(key); continue }
                    if expect(key, [d], features: [0: ("features", d)]) {
                        plan.replacements.append(.init(tensor: "\(prefix).\(role == .weight ? "weight" : "bias")", key: key, layout: .asIs))
                    }
                }
            case .embedding(let tensor):
                guard lora.isEmpty else { return unsupported.append(("LoRA on an embedding", lora)) }
                let table: TensorSpec? = switch tensor {
                case "embeddings.word": skeleton.embeddings.word
                case "embeddings.position": skeleton.embeddings.position
                default: skeleton.embeddings.tokenType
                }
                for role in [Role.weight, .bias, .baseBias] {
                    guard let key = roles[role] else { continue }
                    guard role == .weight, explained(name, role), let table else { unknown.append(key); continue }
                    if expect(key, table.shape.dims, features: [0: ("rows", table.shape[0]), 1: ("features", d)]) {
                        plan.replacements.append(.init(tensor: tensor, key: key, layout: .asIs))
                    }
                }
            case .linear, .fusedQKV:
                guard let g = geometry(module) else {
                    if case .linear(let path, _) = module, path == "head.lm", skeleton.head.tiedToEmbeddings {
                        return unsupported.append(("adapting the LM head tied to the word embeddings", keys))
                    }
                    return unknown += keys
                }
                placeLinear(name, module, roles, g)
            }
        }

        private mutating func placeLinear(_ name: String, _ module: Module, _ roles: [Role: String],
                                          _ g: (in: Int, out: Int, parts: [(LayerPath, Range<Int>)], bias: Bool)) {
            let transposed: Bool
            switch module {
            case let .linear(_, t): transposed = t
            default: transposed = true
            }
            let inAxis = ("input features", g.in), outAxis = ("output features", g.out)
            // Low-rank update.
            let lora = [Role.loraA, .loraB, .loraBias, .magnitude].compactMap { roles[$0] }
            if !lora.isEmpty {
                guard let a = roles[.loraA], let b = roles[.loraB] else {
                    return inconsistent.append(("lora_A and lora_B must come in pairs", lora.sorted()))
                }
                if config.useDoRA, roles[.magnitude] == nil {
                    inconsistent.append(("use_dora is true in adapter_config.json but lora_magnitude_vector is missing", [a, b]))
                } else if !config.useDoRA, let m = roles[.magnitude] {
                    inconsistent.append(("lora_magnitude_vector without use_dora in adapter_config.json", [m]))
                }
                if let bias = roles[.loraBias], !g.bias {
                    inconsistent.append(("lora_B has a bias but the model's linear has none", [bias]))
                }
                let (r, alpha) = config.rankAndAlpha(name)
                var fits = expect(a, [r, g.in], features: [1: inAxis])
                fits = expect(b, [g.out, r], features: [0: outAxis]) && fits
                for role in [Role.loraBias, .magnitude] {
                    if let key = roles[role] { fits = expect(key, [g.out], features: [0: outAxis]) && fits }
                }
                if fits {
                    let split = g.parts.count > 1
                    for (path, rows) in g.parts {
                        plan.updates.append(.init(path: path, a: a, b: b, bias: roles[.loraBias], magnitude: roles[.magnitude],
                                                  scaling: config.scaling(rank: r, alpha: alpha), rows: split ? rows : nil))
                    }
                }
            }
            // Whole tensors.
            if let key = roles[.weight] {
                if !explained(name, .weight) {
                    unknown.append(key)
                } else if expect(key, transposed ? [g.in, g.out] : [g.out, g.in],
                                 features: transposed ? [0: inAxis, 1: outAxis] : [0: outAxis, 1: inAxis]) {
                    for (path, rows) in g.parts {
                        let layout: Plan.Layout = g.parts.count > 1 ? .transposedRows(rows) : (transposed ? .transposed : .asIs)
                        plan.replacements.append(.init(tensor: "\(path).weight", key: key, layout: layout))
                    }
                }
            }
            if roles[.bias] != nil, roles[.baseBias] != nil {
                return inconsistent.append(("two biases for one module", [roles[.bias]!, roles[.baseBias]!]))
            }
            for role in [Role.bias, .baseBias] {
                guard let key = roles[role] else { continue }
                if !explained(name, role) || !g.bias {
                    unknown.append(key)
                } else if expect(key, [g.out], features: [0: outAxis]) {
                    for (path, rows) in g.parts {
                        plan.replacements.append(.init(tensor: "\(path).bias", key: key,
                                                       layout: g.parts.count > 1 ? .elements(rows) : .asIs))
                    }
                }
            }
        }

        /// Whether adapter_config.json explains a whole-tensor key of module `name`.
        private func explained(_ name: String, _ role: Role) -> Bool {
            switch role {
            case .weight: config.saves(name)
            case .bias: config.bias == "all" || config.saves(name)
            case .baseBias: config.bias != "none"
            default: true
            }
        }

        /// Records a mismatch of `key`'s shape against `expected`; `features` names the axes that
        /// are model dimensions (the others are ranks). Returns whether the shape fits.
        private mutating func expect(_ key: String, _ expected: [Int], features axes: [Int: (String, Int)]) -> Bool {
            let found = file[key]!.shape
            guard found.dims != expected else { return true }
            let mismatch = AdapterError.ShapeMismatch(key: key, found: found, expected: Shape(expected))
            if found.rank == expected.count,
               let axis = axes.keys.sorted().first(where: { found[$0] != expected[$0] }), let (meaning, size) = axes[axis] {
                features.append((key, meaning, found[axis], size))
            } else {
                ranks.append(mismatch)
            }
            return false
        }
    }
}
