import { render } from 'preact';
import { App } from './ui/App';
import { applyDisguise, chosenDisguise } from './ui/disguise';
import { chosenLanguage, speak } from './ui/language';
import './ui/styles.css';

// Before anything is drawn: the page never shows a name other than the chosen one, nor words in
// another language than the chosen one.
void speak(chosenLanguage()).then(() => {
  applyDisguise(chosenDisguise());
  const root = document.getElementById('app');
  if (root) {
    render(<App />, root);
  }
});
