namespace EdgeSam.Video.Segmentation.GraphCut;

/// <summary>
/// s-t max-flow / min-cut by Boykov and Kolmogorov ("An Experimental Comparison of Min-Cut/Max-Flow Algorithms for
/// Energy Minimization in Vision", PAMI 2004): two search trees grown from the terminals, augmentation along the path
/// found where they touch, and adoption of the orphans that saturated edges leave behind. Written for the sparse
/// grid graphs of image segmentation (few edges per node), where it beats push-relabel in practice.
/// </summary>
/// <remarks>
/// Build a graph with <see cref="Reset"/>, <see cref="AddTerminal"/> and <see cref="AddEdge"/>, call
/// <see cref="Solve"/>, then read <see cref="InSourceSet"/>. Capacities are non-negative floats. Buffers grow and are
/// reused across <see cref="Reset"/> calls, so one instance serves many cuts without reallocating.
/// </remarks>
public sealed class BkMaxFlow
{
    // parent[] codes besides an arc index (the arc from the node to its parent in its tree).
    private const int Free = -1;
    private const int TerminalParent = -2;
    private const int OrphanParent = -3;
    private const int InfiniteDist = int.MaxValue;

    private int _nodeCount;
    private int _arcCount;

    // Nodes.
    private int[] _first = [];      // first outgoing arc, -1 = none
    private float[] _tcap = [];     // residual terminal capacity: > 0 from the source, < 0 to the sink
    private int[] _parent = [];
    private bool[] _sinkTree = [];  // tree membership, meaningful when parent != Free
    private int[] _timestamp = [];
    private int[] _dist = [];       // distance to the terminal along parents, valid when timestamp == current
    private bool[] _queued = [];

    // Arcs: 2i and 2i+1 are sisters (the two directions of one edge).
    private int[] _head = [];
    private int[] _next = [];
    private float[] _rcap = [];

    private readonly Queue<int> _active = new();
    private readonly Queue<int> _orphans = new();
    private double _flow;
    private int _time;

    public int NodeCount => _nodeCount;

    /// <summary>Clears the graph and makes <paramref name="nodeCount"/> isolated nodes 0..n-1.</summary>
    public void Reset(int nodeCount, int expectedEdges = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        _nodeCount = nodeCount;
        _arcCount = 0;
        _flow = 0;
        if (_first.Length < nodeCount)
        {
            int n = Math.Max(nodeCount, _first.Length * 2);
            _first = new int[n];
            _tcap = new float[n];
            _parent = new int[n];
            _sinkTree = new bool[n];
            _timestamp = new int[n];
            _dist = new int[n];
            _queued = new bool[n];
        }
        Array.Fill(_first, -1, 0, nodeCount);
        Array.Clear(_tcap, 0, nodeCount);
        EnsureArcs(2 * expectedEdges);
    }

    /// <summary>
    /// Adds capacity <paramref name="fromSource"/> on s->node and <paramref name="toSink"/> on node->t. Both may be
    /// given repeatedly; the common part min(s, t) is flow that any cut pays, so it is counted at once and only the
    /// difference is kept as residual.
    /// </summary>
    public void AddTerminal(int node, float fromSource, float toSink)
    {
        if (!(fromSource >= 0) || !(toSink >= 0))
            throw new ArgumentOutOfRangeException(nameof(fromSource), "Terminal capacities must be non-negative numbers.");
        float delta = _tcap[node];
        if (delta > 0) fromSource += delta; else toSink -= delta;
        _flow += Math.Min(fromSource, toSink);
        _tcap[node] = fromSource - toSink;
    }

    /// <summary>Adds the edge p->q with capacity <paramref name="capPq"/> and q->p with <paramref name="capQp"/>.</summary>
    public void AddEdge(int p, int q, float capPq, float capQp)
    {
        if ((uint)p >= (uint)_nodeCount || (uint)q >= (uint)_nodeCount || p == q)
            throw new ArgumentOutOfRangeException(nameof(p), $"Edge {p}->{q} is not between two distinct nodes of {_nodeCount}.");
        if (!(capPq >= 0) || !(capQp >= 0))
            throw new ArgumentOutOfRangeException(nameof(capPq), "Edge capacities must be non-negative numbers.");
        EnsureArcs(_arcCount + 2);
        int a = _arcCount, b = _arcCount + 1;
        _arcCount += 2;
        _head[a] = q; _rcap[a] = capPq; _next[a] = _first[p]; _first[p] = a;
        _head[b] = p; _rcap[b] = capQp; _next[b] = _first[q]; _first[q] = b;
    }

    /// <summary>Computes the maximum flow (= minimum cut value) and leaves the residual graph for <see cref="InSourceSet"/>.</summary>
    public double Solve()
    {
        int n = _nodeCount;
        _active.Clear();
        _orphans.Clear();
        _time = 0;
        for (int i = 0; i < n; i++)
        {
            _queued[i] = false;
            _timestamp[i] = 0;
            if (_tcap[i] != 0)
            {
                _parent[i] = TerminalParent;
                _sinkTree[i] = _tcap[i] < 0;
                _dist[i] = 1;
                Activate(i);
            }
            else
            {
                _parent[i] = Free;
            }
        }

        while (true)
        {
            int meetArc = Grow();
            if (meetArc < 0) break;
            _time++;
            Augment(meetArc);
            Adopt();
        }
        return _flow;
    }

    /// <summary>
    /// True when <paramref name="node"/> is on the source side of the minimum cut (reachable from the source in the
    /// residual graph). Free nodes go to the sink side, so the partition's cut equals the flow.
    /// </summary>
    public bool InSourceSet(int node) => _parent[node] != Free && !_sinkTree[node];

    private void EnsureArcs(int count)
    {
        if (_head.Length >= count) return;
        int m = Math.Max(count, Math.Max(16, _head.Length * 2));
        Array.Resize(ref _head, m);
        Array.Resize(ref _next, m);
        Array.Resize(ref _rcap, m);
    }

    private void Activate(int i)
    {
        if (_queued[i]) return;
        _queued[i] = true;
        _active.Enqueue(i);
    }

    /// <summary>
    /// Grows the trees from active nodes until an arc joins them: returns that arc oriented source tree -> sink tree,
    /// or -1 when no augmenting path remains. The active node being expanded stays at the head of the queue until it
    /// has no more free neighbours, as in the paper.
    /// </summary>
    private int Grow()
    {
        while (_active.Count > 0)
        {
            int p = _active.Peek();
            if (_parent[p] == Free)
            {
                // Freed by an adoption since it was queued.
                _active.Dequeue();
                _queued[p] = false;
                continue;
            }
            bool sink = _sinkTree[p];
            for (int a = _first[p]; a >= 0; a = _next[a])
            {
                // Source tree grows along residual p->q; sink tree along residual q->p (the sister arc).
                float cap = sink ? _rcap[a ^ 1] : _rcap[a];
                if (cap <= 0) continue;
                int q = _head[a];
                if (_parent[q] == Free)
                {
                    _sinkTree[q] = sink;
                    _parent[q] = a ^ 1; // arc from q back to p
                    _timestamp[q] = _timestamp[p];
                    _dist[q] = _dist[p] + 1;
                    Activate(q);
                }
                else if (_sinkTree[q] != sink)
                {
                    return sink ? a ^ 1 : a;
                }
                else if (_timestamp[q] <= _timestamp[p] && _dist[q] > _dist[p])
                {
                    // Heuristic from the paper: prefer parents closer to the terminal.
                    _parent[q] = a ^ 1;
                    _timestamp[q] = _timestamp[p];
                    _dist[q] = _dist[p] + 1;
                }
            }
            _active.Dequeue();
            _queued[p] = false;
        }
        return -1;
    }

    /// <summary>Pushes the bottleneck along source -> ... -> tail(meet) -> head(meet) -> ... -> sink.</summary>
    private void Augment(int meet)
    {
        int sNode = _head[meet ^ 1];
        int tNode = _head[meet];
        float bottleneck = _rcap[meet];

        // Source side: flow runs parent -> child, i.e. along the sister of each node's parent arc.
        int i = sNode;
        while (true)
        {
            int a = _parent[i];
            if (a == TerminalParent) break;
            bottleneck = Math.Min(bottleneck, _rcap[a ^ 1]);
            i = _head[a];
        }
        bottleneck = Math.Min(bottleneck, _tcap[i]);
        // Sink side: flow runs child -> parent, along the parent arc itself.
        i = tNode;
        while (true)
        {
            int a = _parent[i];
            if (a == TerminalParent) break;
            bottleneck = Math.Min(bottleneck, _rcap[a]);
            i = _head[a];
        }
        bottleneck = Math.Min(bottleneck, -_tcap[i]);

        _rcap[meet] -= bottleneck;
        _rcap[meet ^ 1] += bottleneck;

        i = sNode;
        while (true)
        {
            int a = _parent[i];
            if (a == TerminalParent) break;
            _rcap[a] += bottleneck;
            _rcap[a ^ 1] -= bottleneck;
            if (_rcap[a ^ 1] <= 0) MakeOrphan(i);
            i = _head[a];
        }
        _tcap[i] -= bottleneck;
        if (_tcap[i] <= 0) MakeOrphan(i);

        i = tNode;
        while (true)
        {
            int a = _parent[i];
            if (a == TerminalParent) break;
            _rcap[a ^ 1] += bottleneck;
            _rcap[a] -= bottleneck;
            if (_rcap[a] <= 0) MakeOrphan(i);
            i = _head[a];
        }
        _tcap[i] += bottleneck;
        if (_tcap[i] >= 0) MakeOrphan(i);

        _flow += bottleneck;
    }

    private void MakeOrphan(int i)
    {
        _parent[i] = OrphanParent;
        _orphans.Enqueue(i);
    }

    /// <summary>
    /// Re-attaches each orphan to a node of its own tree whose path reaches the terminal (the shortest such, by the
    /// distance heuristic), or frees it, making its children orphans and its tree neighbours active.
    /// </summary>
    private void Adopt()
    {
        while (_orphans.Count > 0)
        {
            int p = _orphans.Dequeue();
            bool sink = _sinkTree[p];
            int bestArc = Free;
            int bestDist = InfiniteDist;

            for (int a = _first[p]; a >= 0; a = _next[a])
            {
                // A valid parent q must be able to send flow into p (source tree: q->p residual = sister of a)
                // or receive from p (sink tree: p->q residual = a).
                float cap = sink ? _rcap[a] : _rcap[a ^ 1];
                if (cap <= 0) continue;
                int q = _head[a];
                if (_parent[q] == Free || _sinkTree[q] != sink) continue;

                // Walk up to see whether q's origin is the terminal (not an orphan), counting the distance.
                int d = 0;
                int j = q;
                bool rooted;
                while (true)
                {
                    if (_timestamp[j] == _time) { d += _dist[j]; rooted = true; break; }
                    int pa = _parent[j];
                    d++;
                    if (pa == TerminalParent) { _timestamp[j] = _time; _dist[j] = 1; rooted = true; break; }
                    if (pa == OrphanParent) { rooted = false; break; }
                    j = _head[pa];
                }
                if (!rooted) continue;
                if (d < bestDist) { bestArc = a; bestDist = d; }
                // Cache the distances along the walked path for later walks in this adoption stage.
                for (j = q; _timestamp[j] != _time; j = _head[_parent[j]])
                {
                    _timestamp[j] = _time;
                    _dist[j] = d--;
                }
            }

            if (bestArc != Free)
            {
                _parent[p] = bestArc;
                _timestamp[p] = _time;
                _dist[p] = bestDist + 1;
                continue;
            }

            // No parent: p leaves its tree.
            for (int a = _first[p]; a >= 0; a = _next[a])
            {
                int q = _head[a];
                int pa = _parent[q];
                if (pa == Free || _sinkTree[q] != sink) continue;
                float cap = sink ? _rcap[a] : _rcap[a ^ 1];
                if (cap > 0) Activate(q);
                if (pa >= 0 && _head[pa] == p) MakeOrphan(q);
            }
            _parent[p] = Free;
        }
    }
}
