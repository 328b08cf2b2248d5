import importlib.util
import unittest

from logic import make_reply


class ReplyTest(unittest.TestCase):
    def test_a_json_value_is_embedded(self):
        key, value, headers = make_reply(b"order-7", b'{"orderId":7}', [("type", b"OrderCreated"), ("trace", b"abc")])
        self.assertEqual(value, b'{"type":"{{name_pascal}}Processed","source":{"orderId":7}}')
        self.assertEqual(key, b"order-7")
        self.assertEqual(headers, [("trace", b"abc"), ("type", b"{{name_pascal}}Processed")])

    def test_text_is_embedded_as_a_string(self):
        _, value, _ = make_reply(None, b"not json", [])
        self.assertEqual(value, b'{"type":"{{name_pascal}}Processed","source":"not json"}')

    def test_a_null_value_gives_null(self):
        _, value, _ = make_reply(None, None, [])
        self.assertEqual(value, b'{"type":"{{name_pascal}}Processed","source":null}')

    def test_the_service_and_its_dependencies_import(self):
        spec = importlib.util.spec_from_file_location("service", "service.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.assertEqual(module.SERVICE, "{{name}}")


if __name__ == "__main__":
    unittest.main()
