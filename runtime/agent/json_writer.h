// SPDX-License-Identifier: MIT
// JsonWriter: the agent's reports as JSON, built by hand — the device side carries no JSON
// library. Objects and arrays nest; commas and escaping are handled here.
#pragma once

#include <string>
#include <vector>

namespace quantscope::agent {

class JsonWriter
{
public:
    JsonWriter &beginObject(const char *key = nullptr) { return begin(key, '{'); }
    JsonWriter &endObject() { return end('}'); }
    JsonWriter &beginArray(const char *key = nullptr) { return begin(key, '['); }
    JsonWriter &endArray() { return end(']'); }
    JsonWriter &value(const char *key, const std::string &text);
    JsonWriter &value(const char *key, const char *text) { return value(key, std::string(text)); }
    JsonWriter &value(const char *key, double number);
    JsonWriter &value(const char *key, bool flag);
    JsonWriter &numbers(const char *key, const std::vector<float> &values);
    const std::string &text() const { return m_text; }

private:
    JsonWriter &begin(const char *key, char bracket);
    JsonWriter &end(char bracket);
    void open(const char *key);
    static std::string quoted(const std::string &text);

    std::string m_text;
    std::vector<bool> m_first; // per open container: nothing written into it yet
};

} // namespace quantscope::agent
