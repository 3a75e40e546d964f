// SPDX-License-Identifier: MIT
#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace quantscope::agent {

std::string JsonWriter::quoted(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

void JsonWriter::open(const char *key)
{
    if (!m_first.empty()) {
        if (!m_first.back())
            m_text += ',';
        m_first.back() = false;
    }
    if (key)
        m_text += quoted(key) + ':';
}

JsonWriter &JsonWriter::begin(const char *key, char bracket)
{
    open(key);
    m_text += bracket;
    m_first.push_back(true);
    return *this;
}

JsonWriter &JsonWriter::end(char bracket)
{
    m_text += bracket;
    m_first.pop_back();
    return *this;
}

JsonWriter &JsonWriter::value(const char *key, const std::string &text)
{
    open(key);
    m_text += quoted(text);
    return *this;
}

JsonWriter &JsonWriter::value(const char *key, double number)
{
    open(key);
    if (!std::isfinite(number)) {
        m_text += "null";
        return *this;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", number);
    m_text += buffer;
    return *this;
}

JsonWriter &JsonWriter::value(const char *key, bool flag)
{
    open(key);
    m_text += flag ? "true" : "false";
    return *this;
}

JsonWriter &JsonWriter::numbers(const char *key, const std::vector<float> &values)
{
    beginArray(key);
    for (const float v : values)
        value(nullptr, double(v));
    return endArray();
}

} // namespace quantscope::agent
