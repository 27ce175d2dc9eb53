using System.Text;

namespace EdgeSam.Video.Tests.Export;

/// <summary>
/// A parser of the .nk syntax, written for the tests: a script is lines of words, double-quoted strings (backslash
/// escapes) and brace groups (nested, spanning lines); a node is <c>Class {</c> knob lines <c>}</c>, each knob line a
/// name followed by its values up to the end of the line outside braces. Unbalanced braces or quotes fail the parse.
/// </summary>
internal sealed class NukeScript
{
    /// <summary>A word, a quoted string (<see cref="Quoted"/>), or a brace group (<see cref="Items"/> non-null).</summary>
    public sealed record Item(string? Text, bool Quoted, List<Item>? Items)
    {
        public bool IsGroup => Items != null;
        public string Word => Text ?? throw new InvalidOperationException("not a word: a group");
        public Item? Head => Items is { Count: > 0 } ? Items[0] : null;
        public bool Starts(string word) => IsGroup && Head is { IsGroup: false } h && h.Text == word;
        public override string ToString() => IsGroup ? "{" + string.Join(" ", Items!) + "}" : Quoted ? $"\"{Text}\"" : Text!;
    }

    public sealed record Node(string Class, List<(string Knob, List<Item> Values)> Knobs)
    {
        public List<Item> this[string knob] => Knobs.First(k => k.Knob == knob).Values;
        public bool Has(string knob) => Knobs.Any(k => k.Knob == knob);
    }

    public List<Node> Nodes { get; } = [];
    public List<List<Item>> Statements { get; } = [];

    public static NukeScript Parse(string text)
    {
        var script = new NukeScript();
        int pos = 0;
        foreach (List<Item> line in Lines(text, ref pos, inGroup: false))
        {
            if (line.Count == 2 && !line[0].IsGroup && line[1].IsGroup && char.IsAsciiLetterUpper(line[0].Word[0]))
            {
                // A node: its group's content, read again as knob lines.
                int p = 0;
                string body = Unparse(line[1].Items!);
                var knobs = Lines(body, ref p, inGroup: false).Where(l => l.Count > 0)
                    .Select(l => (l[0].Word, l.Skip(1).ToList())).ToList();
                script.Nodes.Add(new Node(line[0].Word, knobs));
            }
            else if (line.Count > 0)
            {
                script.Statements.Add(line);
            }
        }
        return script;
    }

    // Groups keep their line breaks as "\n" words so a node body can be split into knob lines again.
    private static string Unparse(List<Item> items)
    {
        var sb = new StringBuilder();
        foreach (Item i in items)
        {
            if (i.IsGroup) sb.Append('{').Append(Unparse(i.Items!)).Append('}');
            else if (i.Quoted) sb.Append('"').Append(i.Text!.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            else sb.Append(i.Text);
            sb.Append(i.Text == "\n" ? "" : " ");
        }
        return sb.ToString();
    }

    private static List<List<Item>> Lines(string s, ref int pos, bool inGroup)
    {
        var lines = new List<List<Item>> { new() };
        while (pos < s.Length)
        {
            char c = s[pos];
            if (c == '\n') { pos++; if (inGroup) lines[^1].Add(new Item("\n", false, null)); else lines.Add([]); continue; }
            if (char.IsWhiteSpace(c)) { pos++; continue; }
            if (c == '#' && !inGroup && lines[^1].Count == 0) { while (pos < s.Length && s[pos] != '\n') pos++; continue; }
            if (c == '}')
            {
                if (!inGroup) throw new FormatException($"unmatched '}}' at {pos}");
                pos++;
                return lines;
            }
            if (c == '{')
            {
                pos++;
                List<Item> inner = Lines(s, ref pos, inGroup: true).SelectMany(l => l).ToList();
                if (pos > s.Length || s[pos - 1] != '}') throw new FormatException("unterminated '{'");
                lines[^1].Add(new Item(null, false, inner));
                continue;
            }
            if (c == '"')
            {
                var sb = new StringBuilder();
                pos++;
                while (true)
                {
                    if (pos >= s.Length) throw new FormatException("unterminated string");
                    char d = s[pos++];
                    if (d == '\\') { sb.Append(s[pos++]); continue; }
                    if (d == '"') break;
                    sb.Append(d);
                }
                lines[^1].Add(new Item(sb.ToString(), true, null));
                continue;
            }
            int start = pos;
            while (pos < s.Length && !char.IsWhiteSpace(s[pos]) && s[pos] is not '{' and not '}' and not '"') pos++;
            lines[^1].Add(new Item(s[start..pos], false, null));
        }
        if (inGroup) throw new FormatException("unterminated '{' at the end");
        return lines;
    }

    /// <summary>Every group under <paramref name="root"/> (depth first) whose first word is <paramref name="head"/>.</summary>
    public static IEnumerable<Item> Find(Item root, string head)
    {
        if (!root.IsGroup) yield break;
        if (root.Starts(head)) yield return root;
        foreach (Item i in root.Items!)
            foreach (Item f in Find(i, head))
                yield return f;
    }

    /// <summary>Groups and words of a group without the line-break markers.</summary>
    public static List<Item> Content(Item group) => group.Items!.Where(i => i.Text != "\n").ToList();

    /// <summary>Nuke's float token: <c>0</c>, a decimal, or <c>x</c> + the 8 hex digits of an IEEE-754 single.</summary>
    public static float Float(Item i)
    {
        string s = i.Word;
        if (s.StartsWith('x')) return BitConverter.UInt32BitsToSingle(Convert.ToUInt32(s[1..], 16));
        return float.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
