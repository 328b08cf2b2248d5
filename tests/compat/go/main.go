// The Go client driver of ftgo's compat suite (tests/compat): franz-go (kgo, kadm) and
// IBM/sarama behind one JSON-lines interface, as tests/compat/clients.py expects.
//
//	compat-go serve franz-go|sarama
//	    one JSON request per stdin line, one JSON answer per stdout line (ops: produce,
//	    consume, create_topic, delete_topic, list_topics, list_offsets, describe_group,
//	    committed); a request may print {"event": ...} lines before its answer.
//	compat-go member franz-go|sarama BOOTSTRAP TOPIC GROUP SESSION_MS [INSTANCE_ID]
//	    one consumer-group member: prints {"event":"assigned","partitions":[...]} (its whole
//	    assignment, after every change) and {"event":"record",...} per record, commits after
//	    each batch, leaves the group on SIGTERM and prints {"event":"closed"}. With INSTANCE_ID
//	    it is a static member (KIP-345): closing does not leave the group.
//	compat-go sweep BOOTSTRAP
//	    every advertised API at every advertised version, answers checked with kmsg (sweep.go).
//
// Bytes travel as base64 (encoding/json's []byte); null stays null, empty stays empty.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// record is one Kafka record as the suite exchanges it.
type record struct {
	Key       []byte   `json:"key"`
	Value     []byte   `json:"value"`
	Headers   []header `json:"headers"`
	Timestamp *int64   `json:"timestamp"`
	Partition *int32   `json:"partition"`
	Offset    *int64   `json:"offset,omitempty"`
}

// header is a [key, base64-or-null] pair on the wire.
type header struct {
	Key   string
	Value []byte
}

func (h header) MarshalJSON() ([]byte, error) { return json.Marshal([]any{h.Key, h.Value}) }

func (h *header) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("a header is a [key, value] pair: %s", b)
	}
	if err := json.Unmarshal(pair[0], &h.Key); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &h.Value)
}

// request is every op's input; each op reads the fields it needs.
type request struct {
	Op          string          `json:"op"`
	Bootstrap   string          `json:"bootstrap"`
	Topic       string          `json:"topic"`
	Group       string          `json:"group"`
	Records     []record        `json:"records"`
	Compression *string         `json:"compression"`
	Config      map[string]any  `json:"config"`
	Partition   int32           `json:"partition"`
	Partitions  int32           `json:"partitions"`
	Start       json.RawMessage `json:"start"`
	Count       int             `json:"count"`
	TimeoutMs   int64           `json:"timeout_ms"`
	Timestamp   int64           `json:"timestamp"`
}

// start is where a consume begins: "earliest", "latest", {"offset": N} or {"timestamp": MS}.
type start struct {
	Kind  string // earliest, latest, offset, timestamp
	Value int64
}

func (r *request) start() (start, error) {
	var word string
	if len(r.Start) == 0 || json.Unmarshal(r.Start, &word) == nil {
		if word == "" || word == "earliest" || word == "latest" {
			return start{Kind: map[bool]string{true: "latest", false: "earliest"}[word == "latest"]}, nil
		}
		return start{}, fmt.Errorf("unknown start %q", word)
	}
	var obj map[string]int64
	if err := json.Unmarshal(r.Start, &obj); err != nil {
		return start{}, fmt.Errorf("bad start %s: %w", r.Start, err)
	}
	if v, ok := obj["offset"]; ok {
		return start{"offset", v}, nil
	}
	if v, ok := obj["timestamp"]; ok {
		return start{"timestamp", v}, nil
	}
	return start{}, fmt.Errorf("bad start %s", r.Start)
}

func (r *request) timeout() time.Duration {
	if r.TimeoutMs <= 0 {
		return 20 * time.Second
	}
	return time.Duration(r.TimeoutMs) * time.Millisecond
}

func (r *request) configBool(key string, fallback bool) bool {
	switch v := r.Config[key].(type) {
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return fallback
}

func (r *request) configInt(key string) int64 {
	switch v := r.Config[key].(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// reply is an op's answer: any fields, plus "ok" added by serve.
type reply map[string]any

// ops is one client's implementation of the driver's operations.
type ops map[string]func(*request) (reply, error)

var outMu sync.Mutex

func emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(reply{"ok": false, "error": "encoding the answer: " + err.Error()})
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func serve(table ops) {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 256<<20)
	for in.Scan() {
		if len(in.Bytes()) == 0 {
			continue
		}
		var req request
		var out reply
		err := json.Unmarshal(in.Bytes(), &req)
		if err == nil {
			if op, ok := table[req.Op]; ok {
				out, err = op(&req)
			} else {
				err = fmt.Errorf("unknown op: %q", req.Op)
			}
		}
		if err != nil {
			out = reply{"ok": false, "error": err.Error()}
		} else {
			if out == nil {
				out = reply{}
			}
			out["ok"] = true
		}
		emit(out)
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "compat-go: reading stdin:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: compat-go serve franz-go|sarama\n"+
		"       compat-go member franz-go|sarama BOOTSTRAP TOPIC GROUP SESSION_MS [INSTANCE_ID]\n"+
		"       compat-go sweep BOOTSTRAP")
	os.Exit(2)
}

// logLevel is FTGO_COMPAT_GO_LOG (debug, info, warn; default error): the clients' own logs on stderr.
func logLevel() string { return os.Getenv("FTGO_COMPAT_GO_LOG") }

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	mode, client := os.Args[1], os.Args[2]
	if client == "sarama" && logLevel() != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags|log.Lmicroseconds)
	}
	switch {
	case mode == "sweep":
		if err := sweep(client); err != nil {
			fmt.Fprintln(os.Stderr, "compat-go sweep:", err)
			os.Exit(1)
		}
	case mode == "serve" && client == "franz-go":
		serve(franzOps())
	case mode == "serve" && client == "sarama":
		serve(saramaOps())
	case mode == "member" && (len(os.Args) == 7 || len(os.Args) == 8):
		session, err := strconv.Atoi(os.Args[6])
		if err != nil {
			usage()
		}
		m := memberArgs{bootstrap: os.Args[3], topic: os.Args[4], group: os.Args[5],
			session: time.Duration(session) * time.Millisecond}
		if len(os.Args) == 8 {
			m.instance = os.Args[7]
		}
		switch client {
		case "franz-go":
			err = franzMember(m)
		case "sarama":
			err = saramaMember(m)
		default:
			usage()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "compat-go member:", err)
			os.Exit(1)
		}
		emit(map[string]string{"event": "closed"})
	default:
		usage()
	}
}

func ptr[T any](v T) *T { return &v }
