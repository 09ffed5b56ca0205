package docscheck

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// root is the repository root, relative to this module.
const root = "../.."

// doc is one Markdown file of the repository.
type doc struct {
	path     string   // relative to the repository root, with slashes
	text     string   // the whole file
	blocks   []block  // its fenced code blocks
	anchors  []string // the GitHub anchors of its headings
	sections []section
}

// block is one fenced code block.
type block struct {
	line    int    // line of the block's first line of code (1-based)
	lang    string // the first word of the info string: "go", "sh", …
	code    string
	marker  string // the text of a "<!-- … -->" line right above the fence
	heading string // the nearest heading above the block
}

// section is a heading with its level and the line it is on.
type section struct {
	level int
	title string
	line  int
}

// markdownFiles returns every Markdown file of the repository that the
// project writes: outside .git, node_modules, testdata and build output.
func markdownFiles(t *testing.T) []doc {
	t.Helper()
	var docs []doc
	skip := map[string]bool{".git": true, "node_modules": true, "testdata": true, "artifacts": true, "dist": true, "docbuild": true}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skip[d.Name()] {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		docs = append(docs, parse(filepath.ToSlash(rel), string(b)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 10 {
		t.Fatalf("found %d Markdown files under %s, want the repository's", len(docs), root)
	}
	return docs
}

// readDoc reads one Markdown file by its path from the repository root.
func readDoc(t *testing.T, rel string) doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return parse(rel, string(b))
}

var fence = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([^\\s`]*)")

// parse splits a Markdown file into its fenced blocks and headings.
func parse(rel, text string) doc {
	d := doc{path: rel, text: text}
	lines := strings.Split(text, "\n")
	seen := map[string]int{}
	heading := ""
	for i := 0; i < len(lines); i++ {
		if m := fence.FindStringSubmatch(lines[i]); m != nil {
			b := block{line: i + 2, lang: m[3], heading: heading}
			for j := i - 1; j >= 0; j-- {
				s := strings.TrimSpace(lines[j])
				if s == "" {
					continue
				}
				if strings.HasPrefix(s, "<!--") && strings.HasSuffix(s, "-->") {
					b.marker = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "<!--"), "-->"))
				}
				break
			}
			var code []string
			for i++; i < len(lines); i++ {
				if s := strings.TrimSpace(lines[i]); strings.HasPrefix(s, m[2]) && strings.Trim(s, m[2][:1]) == "" {
					break
				}
				code = append(code, strings.TrimPrefix(lines[i], m[1]))
			}
			b.code = strings.Join(code, "\n") + "\n"
			d.blocks = append(d.blocks, b)
			continue
		}
		if title, level := atxHeading(lines[i]); level > 0 {
			heading = title
			d.sections = append(d.sections, section{level: level, title: title, line: i + 1})
			a := anchor(title)
			if n := seen[a]; n > 0 {
				d.anchors = append(d.anchors, a+"-"+itoa(n))
			} else {
				d.anchors = append(d.anchors, a)
			}
			seen[a]++
		}
	}
	return d
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// atxHeading returns the text and level of a "## Title" line.
func atxHeading(line string) (string, int) {
	level := 0
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level < len(line) && line[level] != ' ' {
		return "", 0
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[level:]), "#")), level
}

var mdLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// anchor is GitHub's anchor for a heading: the rendered text in lower
// case, spaces as hyphens, every character but letters, digits, "-" and
// "_" dropped.
func anchor(title string) string {
	title = mdLink.ReplaceAllString(title, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

var (
	codeOrComment = regexp.MustCompile("(?s)```.*?```|~~~.*?~~~|<!--.*?-->")
	inlineCode    = regexp.MustCompile("``[^`].*?``|`[^`\n]*`")
	inlineLink    = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	refLink       = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	hrefLink      = regexp.MustCompile(`<a\s[^>]*href="([^"]*)"`)
	scheme        = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// links returns the targets of the file's links that point into the
// repository (no scheme), outside code.
func (d doc) links() []string {
	prose := codeOrComment.ReplaceAllString(d.text, "")
	prose = inlineCode.ReplaceAllString(prose, "")
	var out []string
	for _, re := range []*regexp.Regexp{inlineLink, refLink, hrefLink} {
		for _, m := range re.FindAllStringSubmatch(prose, -1) {
			if target := m[1]; !scheme.MatchString(target) {
				out = append(out, target)
			}
		}
	}
	return out
}

// resolve returns the repository path a link target names and its
// fragment (without "#").
func (d doc) resolve(target string) (string, string) {
	file, frag, _ := strings.Cut(target, "#")
	if file == "" {
		return d.path, frag
	}
	if strings.HasPrefix(file, "/") {
		return path.Clean(strings.TrimPrefix(file, "/")), frag
	}
	return path.Join(path.Dir(d.path), file), frag
}
