package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvConfig names the environment variable holding the config file path.
const EnvConfig = "TENANTSCOPE_CONFIG"

// ErrNoConfig means no configuration file was given or found.
var ErrNoConfig = errors.New("no configuration file")

// Locate returns the configuration file to read: the flag value, else
// $TENANTSCOPE_CONFIG, else ./tenantscope.yaml, else
// <user config dir>/tenantscope/config.yaml, whichever exists first.
func Locate(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v := getenv(EnvConfig); v != "" {
		return v, nil
	}
	candidates := []string{"tenantscope.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "tenantscope", "config.yaml"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: pass --config FILE or set %s (looked for %s)", ErrNoConfig, EnvConfig, strings.Join(candidates, ", "))
}

// Load reads and validates the file at path. Unknown keys, literal secrets
// and invalid values are errors (an *Error listing every problem).
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoConfig, path)
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	f, err := Parse(b, path)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// Parse decodes a configuration strictly and applies defaults, without
// validating. path names the file in errors and anchors relative paths.
func Parse(b []byte, path string) (*File, error) {
	f := &File{Path: path, lines: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, &Error{Path: path, Problems: []Problem{syntaxProblem(err)}}
	}
	collectLines(&root, "", f.lines)

	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{Path: path, Problems: decodeProblems(err)}
	}
	for i := range f.Connections {
		c := &f.Connections[i]
		c.index = i
		if c.InactiveDays == 0 {
			c.InactiveDays = DefaultInactiveDays
		}
		if c.Sync.Concurrency == 0 {
			c.Sync.Concurrency = DefaultConcurrency
		}
		if c.Sync.HistoryDays == 0 {
			c.Sync.HistoryDays = DefaultHistoryDays
		}
		if len(c.Domains) == 0 {
			c.Domains = []string{"*"}
		}
	}
	return f, nil
}

// Dir is the directory relative paths in the file resolve against.
func (f *File) Dir() string {
	if f.Path == "" {
		return ""
	}
	return filepath.Dir(f.Path)
}

// Resolve returns p anchored at the config file's directory.
func (f *File) Resolve(p string) string { return resolvePath(f.Dir(), p) }

// Connection returns the named connection, or the first when name is "".
func (f *File) Connection(name string) (*Connection, error) {
	if len(f.Connections) == 0 {
		return nil, fmt.Errorf("%s defines no connections", f.describe())
	}
	if name == "" {
		return &f.Connections[0], nil
	}
	names := make([]string, 0, len(f.Connections))
	for i := range f.Connections {
		if f.Connections[i].Name == name {
			return &f.Connections[i], nil
		}
		names = append(names, f.Connections[i].Name)
	}
	return nil, fmt.Errorf("no connection %q in %s (have: %s)", name, f.describe(), strings.Join(names, ", "))
}

func (f *File) describe() string {
	if f.Path == "" {
		return "the configuration"
	}
	return f.Path
}

// line returns the line of a key path, or of its nearest ancestor.
func (f *File) line(path string) int {
	for path != "" {
		if l, ok := f.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// collectLines records the line of every mapping key and sequence item.
func collectLines(n *yaml.Node, path string, out map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectLines(c, path, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if path != "" {
				p = path + "." + k
			}
			out[p] = n.Content[i].Line
			collectLines(n.Content[i+1], p, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			out[p] = c.Line
			collectLines(c, p, out)
		}
	}
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type config\.(\w+)$`)
	lineMsg      = regexp.MustCompile(`^line (\d+): (.*)$`)
	// yaml.v3 quotes the offending value in backticks; a misplaced secret
	// must not come back in an error, so it is dropped.
	quotedValue = regexp.MustCompile("`[^`]*`")
)

var sections = map[string]string{
	"File": "top level", "Connection": "connection", "ClientCertificate": "client_certificate",
	"Endpoints": "endpoints", "Sync": "sync", "LicenseTerm": "license_terms item",
}

var validKeys = map[string]string{
	"File":              "connections",
	"Connection":        "name, tenant, client_id, client_secret, client_certificate, cloud, graph_domain, endpoints, ca_file, domains, inactive_days, sync, license_terms, actions",
	"ClientCertificate": "path, password, send_x5c",
	"Endpoints":         "login, graph, arm, graph_scope, arm_scope, storage_suffix",
	"Sync":              "skip_onprem_groups, skip_unused_roles, skip_p2_features, mailbox_purpose, skip_storage_containers, resources, concurrency, history_days",
	"LicenseTerm":       "sku, effective_date, expiration_date, cost_per_unit, currency, payment_frequency",
}

func decodeProblems(err error) []Problem {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{syntaxProblem(err)}
	}
	var ps []Problem
	for _, msg := range te.Errors {
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			l, _ := strconv.Atoi(m[1])
			ps = append(ps, Problem{Line: l, Message: fmt.Sprintf("unknown key %q in %s", m[2], sections[m[3]]),
				Fix: "remove it or correct the spelling; valid keys: " + validKeys[m[3]]})
			continue
		}
		p := Problem{Message: quotedValue.ReplaceAllString(msg, "value")}
		if m := lineMsg.FindStringSubmatch(p.Message); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Message = m[2]
		}
		ps = append(ps, p)
	}
	return ps
}

func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{Message: "invalid YAML: " + quotedValue.ReplaceAllString(msg, "value")}
	if m := lineMsg.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "invalid YAML: " + quotedValue.ReplaceAllString(m[2], "value")
	}
	return p
}
