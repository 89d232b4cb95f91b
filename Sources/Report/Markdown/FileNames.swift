/// File names of figures: lowercase letters, digits and hyphens only, so they are safe in URLs
/// and on every file system.
enum FileNames {
  static func slug(_ parts: [String]) -> String {
    var text = ""
    for part in parts {
      if !text.isEmpty { text += "-" }
      var previousHyphen = false
      for character in part.lowercased() {
        if character.isASCII && (character.isLetter || character.isNumber) {
          text.append(character)
          previousHyphen = false
        } else if !previousHyphen {
          text.append("-")
          previousHyphen = true
        }
      }
      while text.hasSuffix("-") { text.removeLast() }
    }
    return text
  }
}
